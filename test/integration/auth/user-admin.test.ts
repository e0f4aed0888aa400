import { addUser, dnFromInput, parseRole, removeUser, setRole } from '../../../src/auth/user-admin';
import { listAudit } from '../../../src/repositories/audit';
import { findUserByDn, listUsers } from '../../../src/repositories/users';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe(`user administration on ${testDialect}`, () => {
  test('when a user is added in OpenSSL form, then it is found by any spelling of the same DN, with its scope', async () => {
    await addUser(t.db, { dn: dnFromInput('/DC=org/DC=example/O=Example/CN=Alice Example'), role: 'site-admin', sites: ['PRAGUE', 'BRNO'] }, 'cli:test');
    const user = await findUserByDn(t.db, dnFromInput('CN=Alice Example, O=Example, DC=example, DC=org'));
    expect(user).toMatchObject({ dn: 'CN=Alice Example,O=Example,DC=example,DC=org', role: 'site-admin', sites: ['BRNO', 'PRAGUE'] });
  });

  test('when the same DN is added twice, then the second is refused and nothing changes', async () => {
    const before = await listUsers(t.db);
    await expect(addUser(t.db, { dn: 'CN=Alice Example,O=Example,DC=example,DC=org', role: 'admin' }, 'cli:test')).rejects.toThrow(/exists already/);
    expect(await listUsers(t.db)).toEqual(before);
  });

  test('when a scope names an unknown host group, then nothing is stored', async () => {
    const before = await listUsers(t.db);
    await expect(addUser(t.db, { dn: 'CN=Bob', role: 'viewer', sites: ['NEW-SITE'], hostGroups: ['no-such-group'] }, 'cli:test')).rejects.toThrow(/no host group named "no-such-group"/);
    expect(await listUsers(t.db)).toEqual(before);
    expect(await t.db('sites').where({ name: 'NEW-SITE' }).first()).toBeUndefined();
  });

  test('when roles change and users go, then every change is in the audit log with who did it', async () => {
    await setRole(t.db, 'CN=Alice Example,O=Example,DC=example,DC=org', 'operator', 'cli:root');
    await removeUser(t.db, 'CN=Alice Example,O=Example,DC=example,DC=org', 'cli:root');
    const audit = await listAudit(t.db, { targetType: 'user' });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['user.remove', 'cli:root'],
      ['user.set-role', 'cli:root'],
      ['user.add', 'cli:test'],
    ]);
    expect(audit[1].details).toEqual({ from: 'site-admin', to: 'operator' });
  });

  test('when a role or DN is not valid, then the error says what is wrong', () => {
    expect(() => parseRole('root')).toThrow('unknown role "root"; use one of admin, site-admin, viewer, operator');
    expect(() => dnFromInput('just a name')).toThrow(/not a distinguished name/);
  });
});
