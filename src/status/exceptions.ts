/**
 * CVE exceptions with Pakiti's meaning (DESIGN.md §8): "this package is not
 * vulnerable to this CVE", e.g. a locally rebuilt package with the fix
 * backported, with a reason and who said so when. An exception names a
 * package (as hosts report it), an exact version, a glob or every version,
 * and one OS group or all of them. Every change is audit-logged in the
 * transaction that makes it.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { recordAudit } from '../repositories/audit';
import {
  type CveException, deleteCveExceptions, findCveException, findCveExceptionsByKey, insertCveException, listCveExceptions, listOsGroupsByName,
} from '../repositories/cve-exceptions';
import { type ChangeHooks, checkKnownIds, type InterchangeFormat, parseReason, parseVulnerabilityId } from './annotations';
import { writeExceptionsJson } from './annotation-json';
import { describeException, type OsGroupRef, parseExceptionVersion, parsePackageName, resolveOsGroup, versionCovered } from './exception-rules';
import { writeExceptionsXml } from './pakiti-xml';

export { importExceptions } from './exception-import';

/** Whether the exception covers this vulnerable package on this OS group (exact version or glob with '*'; null version = every version; null osGroup = every group). */
export function exceptionCovers(exception: CveException, vuln: { cveId: string; packageName: string; version: string; osGroup: string | null }): boolean {
  if (exception.cveId !== vuln.cveId || exception.packageName !== vuln.packageName) return false;
  if (exception.osGroup !== null && exception.osGroup !== vuln.osGroup) return false;
  return versionCovered(exception.packageVersion, vuln.version);
}

export interface ExceptionInput {
  cveId: string;
  packageName: string;
  /** Exact version or glob; null, '' or '*' = every version. */
  packageVersion?: string | null;
  /** null = every OS group. */
  osGroup?: string | null;
}

interface ResolvedKey {
  cveId: string;
  packageName: string;
  packageVersion: string | null;
  osGroup: OsGroupRef | null;
}

async function resolveKey(db: Knex, input: ExceptionInput): Promise<ResolvedKey> {
  const cveId = parseVulnerabilityId(input.cveId);
  const packageName = parsePackageName(input.packageName);
  const osGroupName = input.osGroup?.trim() || null;
  const osGroup = osGroupName === null ? null : resolveOsGroup(await listOsGroupsByName(db), osGroupName);
  return { cveId, packageName, packageVersion: parseExceptionVersion(input.packageVersion, osGroup?.family ?? null), osGroup };
}

const keyOf = (k: ResolvedKey) => ({ cveId: k.cveId, packageName: k.packageName, packageVersion: k.packageVersion, osGroupId: k.osGroup?.id ?? null });

export async function addException(db: Knex, input: ExceptionInput & { reason: string }, actor: string, hooks: ChangeHooks = {}): Promise<CveException> {
  const reason = parseReason(input.reason);
  const added = await withTransaction(db, async (trx) => {
    const key = await resolveKey(trx, input);
    await checkKnownIds(trx, [key.cveId]);
    const [existing] = await findCveExceptionsByKey(trx, keyOf(key));
    if (existing) throw new ConflictError(`exception ${existing.id} already says ${describeException(existing)} is not vulnerable`);
    const id = await insertCveException(trx, { ...keyOf(key), reason, createdBy: actor });
    const exception = (await findCveException(trx, id)) as CveException;
    await recordAudit(trx, { actor, action: 'exception.add', targetType: 'cve_exception', target: describeException(exception), details: { id, reason } });
    return exception;
  });
  if (hooks.onChange) await hooks.onChange();
  return added;
}

/** Removes an exception by id, or by exactly the CVE, package, version and OS group it was added with. */
export async function removeException(db: Knex, target: number | ExceptionInput, actor: string, hooks: ChangeHooks = {}): Promise<CveException> {
  const removed = await withTransaction(db, async (trx) => {
    let exception: CveException | undefined;
    if (typeof target === 'number') {
      exception = await findCveException(trx, target);
      if (!exception) throw new NotFoundError(`no CVE exception with id ${target}`);
    } else {
      const key = await resolveKey(trx, target);
      [exception] = await findCveExceptionsByKey(trx, keyOf(key));
      if (!exception) throw new NotFoundError(`no CVE exception for ${describeException({ ...key, osGroup: key.osGroup?.name ?? null })}`);
    }
    await deleteCveExceptions(trx, [exception.id]);
    await recordAudit(trx, {
      actor, action: 'exception.remove', targetType: 'cve_exception', target: describeException(exception), details: { id: exception.id, reason: exception.reason },
    });
    return exception;
  });
  if (hooks.onChange) await hooks.onChange();
  return removed;
}

export async function listExceptions(db: Knex, filter: { cveId?: string } = {}): Promise<CveException[]> {
  return listCveExceptions(db, { cveIds: filter.cveId === undefined ? undefined : [parseVulnerabilityId(filter.cveId)] });
}

export async function exportExceptions(db: Knex, format: InterchangeFormat): Promise<{ text: string; count: number }> {
  const exceptions = await listCveExceptions(db);
  if (format === 'json') return { text: writeExceptionsJson(exceptions), count: exceptions.length };
  const families = new Map([...(await listOsGroupsByName(db))].map(([name, group]) => [name, group.family]));
  return { text: writeExceptionsXml(exceptions, families), count: exceptions.length };
}
