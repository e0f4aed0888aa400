import fs from 'node:fs';
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { normalizeDn, subjectDn } from '../pki';
import { recordAudit } from '../repositories/audit';
import { findHostGroupId } from '../repositories/host-extras';
import { ensureSite } from '../repositories/sites';
import { deleteUser, findUserByDn, insertUser, type Role, roles, setUserScope, updateUserRole, type UserRow } from '../repositories/users';

/** A DN in any common spelling, or the path of a PEM certificate whose subject to take. */
export function dnFromInput(input: string): string {
  if (!input.includes('=') && fs.existsSync(input)) return subjectDn(fs.readFileSync(input, 'utf8'));
  let dn: string;
  try {
    dn = normalizeDn(input);
  } catch (err) {
    throw new ValidationError(`not a distinguished name or certificate file: ${input} (${(err as Error).message})`);
  }
  if (!dn.includes('=')) throw new ValidationError(`not a distinguished name or certificate file: ${input}`);
  return dn;
}

export function parseRole(value: string): Role {
  if (!(roles as readonly string[]).includes(value)) throw new ValidationError(`unknown role "${value}"; use one of ${roles.join(', ')}`);
  return value as Role;
}

export interface AddUserInput {
  dn: string;
  role: Role;
  name?: string;
  email?: string;
  sites?: string[];
  hostGroups?: string[];
}

/** Registers a personal certificate's DN as a user, with its scope; audit-logged. */
export async function addUser(db: Knex, input: AddUserInput, actor: string): Promise<UserRow> {
  const dn = normalizeDn(input.dn);
  return withTransaction(db, async (trx) => {
    if (await findUserByDn(trx, dn)) throw new ConflictError(`a user with DN "${dn}" exists already`);
    const id = await insertUser(trx, { dn, role: input.role, name: input.name, email: input.email });
    const siteIds = [];
    for (const name of input.sites ?? []) siteIds.push((await ensureSite(trx, name)).id);
    const hostGroupIds = [];
    for (const name of input.hostGroups ?? []) {
      const id = await findHostGroupId(trx, name);
      if (id === undefined) throw new NotFoundError(`no host group named "${name}"`);
      hostGroupIds.push(id);
    }
    await setUserScope(trx, id, { siteIds, hostGroupIds });
    await recordAudit(trx, { actor, action: 'user.add', targetType: 'user', target: dn, details: { role: input.role, sites: input.sites ?? [], hostGroups: input.hostGroups ?? [] } });
    return (await findUserByDn(trx, dn)) as UserRow;
  });
}

export async function removeUser(db: Knex, dnInput: string, actor: string): Promise<UserRow> {
  const dn = normalizeDn(dnInput);
  return withTransaction(db, async (trx) => {
    const user = await findUserByDn(trx, dn);
    if (!user) throw new NotFoundError(`no user with DN "${dn}"`);
    await deleteUser(trx, user.id);
    await recordAudit(trx, { actor, action: 'user.remove', targetType: 'user', target: dn, details: { role: user.role } });
    return user;
  });
}

export async function setRole(db: Knex, dnInput: string, role: Role, actor: string): Promise<UserRow> {
  const dn = normalizeDn(dnInput);
  return withTransaction(db, async (trx) => {
    const user = await findUserByDn(trx, dn);
    if (!user) throw new NotFoundError(`no user with DN "${dn}"`);
    await updateUserRole(trx, user.id, role);
    await recordAudit(trx, { actor, action: 'user.set-role', targetType: 'user', target: dn, details: { from: user.role, to: role } });
    return { ...user, role };
  });
}
