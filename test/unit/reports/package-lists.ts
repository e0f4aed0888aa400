/**
 * Real installed-package lists from shared/data/packages (see its README),
 * read into one simple shape, and turned into the reports each client would
 * send. Reading is done here with plain string handling, independently of the
 * parsers under test.
 */
import fs from 'node:fs';
import { sharedDataPath } from '../../helpers/shared-data';

export interface ListedPackage {
  name: string;
  arch: string;
  /** As the package manager prints it: rpm "[E:]V-R" (snyk lists drop a zero epoch), Debian "Version:". */
  full: string;
  /** '' when there is none. */
  epoch: string;
  version: string;
  release: string;
  sourceName: string | null;
  sourceVersion: string | null;
}

function read(...parts: string[]): string {
  return fs.readFileSync(sharedDataPath('packages', ...parts), 'utf8');
}

/** Splits "[E:]V[-R]" at the first ':' and the last '-' (what rpm and Patchman's Debian branch both do). */
export function splitFull(full: string): { epoch: string; version: string; release: string } {
  const colon = full.indexOf(':');
  const epoch = colon >= 0 ? full.slice(0, colon) : '';
  const rest = full.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: '' };
}

function listed(name: string, arch: string, full: string, sourceName: string | null = null, sourceVersion: string | null = null): ListedPackage {
  return { name, arch, full, ...splitFull(full), sourceName, sourceVersion };
}

/**
 * snyk-rpm-parser outputs: `NAME\t[E:]V-R\tSIZE`, or with a leading
 * MODULARITYLABEL column (`modules`). They have no arch column, so every
 * package gets `arch`. gpg-pubkey lines are kept: the clients drop them.
 */
export function readRpmQa(file: string, arch = 'x86_64'): ListedPackage[] {
  const modular = file === 'modules';
  return read('snyk-rpm-parser', file)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const f = line.split('\t');
      const [name, full] = modular ? [f[1], f[2]] : [f[0], f[1]];
      return listed(name, arch, full);
    });
}

/** snyk-rpm-parser rpm-4.16/ubi9: a JSON array of {name, version, release, epoch?, arch}; gpg-pubkey has no arch. */
export function readUbi9(): ListedPackage[] {
  const rows = JSON.parse(read('snyk-rpm-parser', 'rpm-4.16', 'ubi9')) as Array<{ name: string; version: string; release: string; epoch?: number; arch?: string }>;
  return rows.map((r) => listed(r.name, r.arch ?? '(none)', `${r.epoch === undefined ? '' : `${r.epoch}:`}${r.version}-${r.release}`));
}

/** A dpkg status file: installed stanzas, with `Source: name [(version)]` (defaults: the binary's own). */
export function readDpkgStatus(...parts: string[]): ListedPackage[] {
  const out: ListedPackage[] = [];
  for (const stanza of read(...parts).split(/\n\n+/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+): (.*)$/.exec(line);
      if (m) fields.set(m[1], m[2]);
    }
    if (!fields.has('Package') || fields.get('Status') !== 'install ok installed') continue;
    const version = fields.get('Version') as string;
    const source = /^(\S+)(?: \((.+)\))?$/.exec(fields.get('Source') ?? '');
    out.push(listed(fields.get('Package') as string, fields.get('Architecture') as string, version, source?.[1] ?? null, source?.[2] ?? (source ? version : null)));
  }
  return out;
}

/** claircore's IndexReport of debian:10; `source.name` may carry "(version)" as in the dpkg Source field. */
export function readClaircoreDebian10(): { packages: ListedPackage[]; os: Record<string, string> } {
  const doc = JSON.parse(read('claircore', 'docker.io-library-debian-10.index.json'));
  const packages = Object.values(doc.packages as Record<string, { name: string; version: string; arch: string; source: { name: string } }>).map((p) => {
    const m = /^(\S+)(?: \((.+)\))?$/.exec(p.source.name);
    return listed(p.name, p.arch, p.version, m ? m[1] : null, m ? (m[2] ?? p.version) : null);
  });
  return { packages, os: Object.values(doc.distributions as Record<string, Record<string, string>>)[0] };
}

/** cybozu's `dpkg -l` table of Ubuntu 24.04: "| name[:arch] | version | description |"; no arch column, so amd64 when the name has none. */
export function readUbuntu2404Table(): ListedPackage[] {
  const out: ListedPackage[] = [];
  for (const line of read('cybozu-ubuntu-base', 'ubuntu-debug-24.04.md').split('\n')) {
    const m = /^\| (\S+) \| (\S+) \|/.exec(line);
    if (!m || m[1] === 'Name') continue;
    const [name, arch] = m[1].includes(':') ? m[1].split(':') : [m[1], 'amd64'];
    out.push(listed(name, arch, m[2]));
  }
  return out;
}

/** Exactly what pakiti-client 3 (format_report) writes: "#", sorted "key: value" headers, "#", sorted package lines, "#". */
export function pakitiClientReport(headers: Record<string, string>, packageLines: string[]): string {
  let report = '#\n';
  for (const key of Object.keys(headers).sort()) report += `${key}: ${headers[key]}\n`;
  return `${report}#\n${[...packageLines].sort().join('')}#\n`;
}

/** pakiti-client's rpm line: `%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n` with "(none):" rewritten to "0:". */
export function pakitiRpmLine(p: ListedPackage): string {
  return `${p.name}\t${p.epoch === '' ? '0' : p.epoch}:${p.version}-${p.release}\t${p.arch}\n`;
}

/** pakiti-client's dpkg line: `${Package}\t${Version}\t${Architecture}\n`. */
export function pakitiDpkgLine(p: ListedPackage): string {
  return `${p.name}\t${p.full}\t${p.arch}\n`;
}

/** Pakiti 2 client pkgs lines: rpm `'N' 'E:V' 'R' 'A'` ((none) → 0, '+' → %2b), dpkg `'N' 'Version' '' 'A'`. */
export function pakiti2Line(p: ListedPackage, type: 'rpm' | 'dpkg'): string {
  const line = type === 'rpm' ? `'${p.name}' '${p.epoch === '' ? '0' : p.epoch}:${p.version}' '${p.release}' '${p.arch}'` : `'${p.name}' '${p.full}' '' '${p.arch}'`;
  return line.replace(/\+/g, '%2b');
}

/** Patchman protocol 1 package line: `'N' 'E' 'V' 'R' 'A' 'rpm|deb'` (the Debian version cut by the client as splitFull does). */
export function patchmanLine(p: ListedPackage, type: 'rpm' | 'deb'): string {
  return `'${p.name}' '${p.epoch}' '${p.version}' '${p.release}' '${p.arch}' '${type}'`;
}
