/**
 * Patchman protocol 2: `POST /api/report/` with a JSON body, as written by
 * patchman-client.py and accepted by Patchman's ReportUploadSerializer:
 *
 *   { protocol: 2, hostname, arch, kernel, os, tags: [..], reboot_required: bool,
 *     packages: [{ name, epoch?, version, release?, arch, type: rpm|deb|arch|gentoo, category?, repo? }],
 *     repos: [{ type, name, id?, priority?, urls?: [..] }],
 *     modules: [..], sec_updates: [{ name, version, arch, repo? }], bug_updates: [..] }
 *
 * hostname, arch, kernel and os are required there, everything else has a
 * default. Modules (dnf module streams) are not used by Patchscope.
 */
import { z } from 'zod';
import { LIMITS, ReportParseError } from './errors';
import { choosePackages, mergeUpdates, type PackageRow, type RepoRow, toRepo, type UpdateRow } from './patchman-common';
import type { Report } from './report';
import { checkHostname, checkToken, optionalText, splitTags } from './validate';

const str = z.string();
const optionalStr = z.string().optional().default('');

const bodySchema = z.object({
  protocol: z.union([z.literal(2), z.literal('2')], { error: 'this endpoint takes Patchman protocol 2' }).optional(),
  hostname: str,
  arch: str,
  kernel: str,
  os: str,
  tags: z.array(str).optional().default([]),
  reboot_required: z.boolean().optional().default(false),
  packages: z
    .array(z.object({ name: str, epoch: optionalStr, version: str, release: optionalStr, arch: str, type: z.enum(['deb', 'rpm', 'arch', 'gentoo']) }))
    .optional()
    .default([]),
  repos: z
    .array(z.object({ type: z.enum(['deb', 'rpm', 'arch', 'gentoo']), name: str, id: optionalStr, urls: z.array(str).optional().default([]) }))
    .optional()
    .default([]),
  sec_updates: z.array(z.object({ name: str, version: str, arch: str, repo: optionalStr })).optional().default([]),
  bug_updates: z.array(z.object({ name: str, version: str, arch: str, repo: optionalStr })).optional().default([]),
});

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out === '' ? 'body' : out;
}

export function parsePatchman2(body: unknown): Report {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportParseError({ path: pathOf(issue.path) }, issue.message);
  }
  const data = parsed.data;
  const extraHeaders: Record<string, string> = {};

  const pkgRows: PackageRow[] = data.packages.map((p, i) => ({ ...p, place: { path: `packages[${i}]` } }));
  const { packager, packages } = choosePackages(pkgRows, extraHeaders);
  const repoRows: RepoRow[] = data.repos.map((r, i) => ({ ...r, place: { path: `repos[${i}]` } }));
  const updates = (key: 'sec_updates' | 'bug_updates'): UpdateRow[] => data[key].map((u, i) => ({ ...u, place: { path: `${key}[${i}]` } }));
  const tags = splitTags(data.tags.join(','), { path: 'tags' });
  const arch = data.arch.trim();
  return {
    format: 'patchman-2',
    hostname: checkHostname(data.hostname, { path: 'hostname' }),
    site: null,
    tags,
    packager,
    arch: arch ? checkToken(arch, 'architecture', LIMITS.arch, { path: 'arch' }) : null,
    kernel: optionalText(data.kernel, 'kernel', LIMITS.kernel, { path: 'kernel' }),
    os: { name: optionalText(data.os, 'OS name', LIMITS.osName, { path: 'os' }) ?? '', id: null, versionId: null, codename: null, idLike: [] },
    // false only means "no /var/run/reboot-required", which rpm hosts never have.
    rebootRequired: data.reboot_required ? true : null,
    client: null,
    packages,
    updates: mergeUpdates(updates('sec_updates'), updates('bug_updates'), packager),
    repos: repoRows.length ? repoRows.map(toRepo) : null,
    extraHeaders,
  };
}
