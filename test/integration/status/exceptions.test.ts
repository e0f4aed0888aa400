import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { listAudit } from '../../../src/repositories/audit';
import { type CveException, listCveExceptions } from '../../../src/repositories/cve-exceptions';
import { addException, exceptionCovers, exportExceptions, importExceptions, listExceptions, removeException } from '../../../src/status/exceptions';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

// Migrating a MariaDB database takes seconds, and the round trips make a second one.
jest.setTimeout(30_000);

const pakitiExceptions = fs.readFileSync(path.join(__dirname, '../../fixtures/pakiti/cve-exceptions.xml'), 'utf8');

let t: TestDatabase;
let changes: number;
const hooks = { onChange: async () => void changes++ };

/** The OS groups hosts of a mixed site would have created. */
async function addOsGroups(db: Knex): Promise<void> {
  await db('os_groups').insert([
    { name: 'alma-9', family: 'rpm' },
    { name: 'debian-12', family: 'dpkg' },
    { name: 'rhel-9', family: 'rpm' },
  ]);
}

beforeAll(async () => {
  t = await createTestDatabase();
  await addOsGroups(t.db);
});
afterAll(async () => t.drop());
beforeEach(async () => {
  changes = 0;
  await t.db('cve_exceptions').delete();
  await t.db('audit_log').delete();
});

/** What an exception says, without the database's id and time. */
const content = (rows: CveException[]) => rows.map(({ id: _id, createdAt: _c, ...rest }) => rest);

describe(`CVE exceptions on ${testDialect}`, () => {
  test('when exceptions are added for a version, a glob or every version, then they are listed, logged and the evaluator told', async () => {
    const exact = await addException(t.db, { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '0:8.7p1-34.el9', osGroup: 'rhel-9', reason: 'rebuilt' }, 'cli:alice', hooks);
    await addException(t.db, { cveId: 'CVE-2023-38408', packageName: 'openssh-server', packageVersion: '8.7p1-*', reason: 'rebuilt' }, 'cli:alice', hooks);
    await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6', reason: 'tunables disabled' }, 'cli:alice', hooks);
    expect(exact).toMatchObject({ cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '8.7p1-34.el9', osGroup: 'rhel-9', createdBy: 'cli:alice' });
    expect(content(await listExceptions(t.db))).toEqual([
      { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '8.7p1-34.el9', osGroup: 'rhel-9', reason: 'rebuilt', createdBy: 'cli:alice' },
      { cveId: 'CVE-2023-38408', packageName: 'openssh-server', packageVersion: '8.7p1-*', osGroup: null, reason: 'rebuilt', createdBy: 'cli:alice' },
      { cveId: 'CVE-2023-4911', packageName: 'libc6', packageVersion: null, osGroup: null, reason: 'tunables disabled', createdBy: 'cli:alice' },
    ]);
    const audit = await listAudit(t.db, { targetType: 'cve_exception' });
    expect(audit[2]).toMatchObject({ action: 'exception.add', actor: 'cli:alice', target: 'CVE-2023-38408 openssh-clients 8.7p1-34.el9 on rhel-9', details: { id: exact.id, reason: 'rebuilt' } });
    expect(changes).toBe(3);
  });

  test('when the evaluator asks with listed exceptions, then exceptionCovers answers for each vulnerable package', async () => {
    await addException(t.db, { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '8.7p1-34.el9', osGroup: 'rhel-9', reason: 'rebuilt' }, 'cli:alice');
    const exceptions = await listCveExceptions(t.db, { cveIds: ['CVE-2023-38408', 'CVE-2024-6387'] });
    const covered = (version: string, osGroup: string | null) =>
      exceptions.some((e) => exceptionCovers(e, { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', version, osGroup }));
    expect([covered('8.7p1-34.el9', 'rhel-9'), covered('8.7p1-34.el9', 'alma-9'), covered('8.7p1-38.el9', 'rhel-9')]).toEqual([true, false, false]);
    expect(await listCveExceptions(t.db, { cveIds: ['CVE-2024-6387'] })).toEqual([]);
  });

  test('when the OS group, version or CVE is wrong, or the exception exists, then nothing is stored and the error says why', async () => {
    await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'glibc', packageVersion: '2.34-100.el9', osGroup: 'rhel-9', reason: 'patched' }, 'cli:alice');
    const add = (input: { packageVersion?: string; osGroup?: string; cveId?: string }) =>
      addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'glibc', reason: 'x', ...input }, 'cli:bob', hooks);
    await expect(add({ osGroup: 'centos-7' })).rejects.toThrow('unknown OS group "centos-7"; known OS groups: alma-9, debian-12, rhel-9');
    await expect(add({ osGroup: 'rhel-9', packageVersion: '2.34' })).rejects.toThrow('"2.34" is not an exact rpm version');
    await expect(add({ osGroup: 'rhel-9', packageVersion: '0:2.34-100.el9' })).rejects.toThrow(/^exception \d+ already says CVE-2023-4911 glibc 2.34-100.el9 on rhel-9 is not vulnerable$/);
    await expect(add({ cveId: 'CVE-2023' })).rejects.toThrow(/is not a CVE id/);
    expect(await listCveExceptions(t.db)).toHaveLength(1);
    expect(await listAudit(t.db)).toHaveLength(1);
    expect(changes).toBe(0);
  });

  test('when an exception is removed by id or by what it was added with, then it is gone and the removal logged', async () => {
    const a = await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'glibc', packageVersion: '2.34-100.el9', osGroup: 'rhel-9', reason: 'patched' }, 'cli:alice');
    await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6', reason: 'patched' }, 'cli:alice');
    expect(await removeException(t.db, a.id, 'cli:bob', hooks)).toMatchObject({ id: a.id });
    await removeException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6' }, 'cli:bob', hooks);
    expect(await listCveExceptions(t.db)).toEqual([]);
    expect((await listAudit(t.db)).slice(0, 2).map((e) => [e.action, e.target])).toEqual([
      ['exception.remove', 'CVE-2023-4911 libc6 (every version) on every OS group'],
      ['exception.remove', 'CVE-2023-4911 glibc 2.34-100.el9 on rhel-9'],
    ]);
    await expect(removeException(t.db, a.id, 'cli:bob')).rejects.toThrow(`no CVE exception with id ${a.id}`);
    await expect(removeException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6', osGroup: 'rhel-9' }, 'cli:bob')).rejects.toThrow(
      'no CVE exception for CVE-2023-4911 libc6 (every version) on rhel-9',
    );
    expect(changes).toBe(2);
  });
});

describe(`importing CVE exceptions on ${testDialect}`, () => {
  test("when a Pakiti export is imported, then Pakiti's OS group names reach the groups they stand for and arch twins merge", async () => {
    const summary = await importExceptions(t.db, pakitiExceptions, { source: 'exceptions.xml' }, 'cli:alice', hooks);
    expect(summary).toEqual({
      format: 'pakiti-xml', entries: 3, added: 3, updated: 0, unchanged: 0, removed: 0, dryRun: false,
      notes: ["1 duplicate entry merged (Pakiti keeps one exception per arch; Patchscope's cover every arch)"],
    });
    expect(content(await listCveExceptions(t.db)).map((e) => [e.cveId, e.packageName, e.packageVersion, e.osGroup, e.createdBy])).toEqual([
      ['CVE-2023-38408', 'openssh-clients', '8.7p1-34.el9', 'rhel-9', 'pakiti.example.org'],
      ['CVE-2023-38408', 'openssh-clients', '8.7p1-34.el9', 'alma-9', 'pakiti.example.org'],
      ['CVE-2023-4911', 'libc6', '2.36-9+deb12u3', 'debian-12', 'pakiti.example.org'],
    ]);
    expect(await importExceptions(t.db, pakitiExceptions, {}, 'cli:alice', hooks)).toMatchObject({ added: 0, unchanged: 3 });
    expect((await listAudit(t.db)).map((e) => e.action)).toEqual(['exception.import', 'exception.import']);
    expect(changes).toBe(1);
  });

  test('when a file names an OS group Patchscope does not have, then nothing is imported unless it is mapped', async () => {
    const xml = pakitiExceptions.replace(/bookworm/, 'Debian testing');
    await expect(importExceptions(t.db, xml, { source: 'exceptions.xml' }, 'cli:alice')).rejects.toThrow(
      '1 problem in exceptions.xml, nothing imported: entry 3 (line 2): unknown OS group "Debian testing"; known OS groups: alma-9, debian-12, rhel-9',
    );
    expect(await listCveExceptions(t.db)).toEqual([]);
    const summary = await importExceptions(t.db, xml, { osGroupMap: { 'Debian testing': ['debian-12'], 'Red Hat Enterprise Linux 9': ['rhel-9'] } }, 'cli:alice');
    expect(summary).toMatchObject({ added: 2 });
    expect((await listCveExceptions(t.db)).map((e) => e.osGroup)).toEqual(['rhel-9', 'debian-12']);
  });

  test('when an import has another reason, or replaces, then exceptions are updated and the others removed', async () => {
    await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6', packageVersion: '2.36-9+deb12u3', osGroup: 'debian-12', reason: 'old' }, 'cli:bob');
    await addException(t.db, { cveId: 'CVE-2014-6271', packageName: 'bash', reason: 'shellshock rebuilt' }, 'cli:bob');
    const summary = await importExceptions(t.db, pakitiExceptions, { replace: true }, 'cli:alice', hooks);
    expect(summary).toMatchObject({ added: 2, updated: 1, unchanged: 0, removed: 1 });
    expect((await listCveExceptions(t.db)).map((e) => [e.packageName, e.osGroup, e.reason, e.createdBy])).toEqual([
      ['openssh-clients', 'rhel-9', 'rebuilt at the site with the upstream fix', 'pakiti.example.org'],
      ['openssh-clients', 'alma-9', 'rebuilt at the site with the upstream fix', 'pakiti.example.org'],
      ['libc6', 'debian-12', 'glibc tunables disabled by a local patch', 'cli:bob'],
    ]);
    expect((await listAudit(t.db))[0].details).toMatchObject({ replace: true, removed: ['CVE-2014-6271 bash (every version) on every OS group'] });
  });

  test('when an entry is bad, then nothing is imported and each problem is named', async () => {
    const json = JSON.stringify([
      { cveId: 'CVE-2023-4911', packageName: 'glibc', packageVersion: '2.34-100.el9', osGroup: 'rhel-9', reason: 'ok' },
      { cveId: 'CVE-2023-4911', packageName: 'glibc', packageVersion: '2.34', osGroup: 'rhel-9', reason: 'no release' },
      { cveId: 'CVE-2023-4911', packageName: 'glibc', packageVersion: '2.34-100.el9', osGroup: 'rhel-9', reason: 'other reason' },
    ]);
    await expect(importExceptions(t.db, json, {}, 'cli:alice', hooks)).rejects.toThrow(
      '2 problems in the import, nothing imported: entry 2: "2.34" is not an exact rpm version: expected [epoch:]version-release (e.g. 1:3.0.7-27.el9), or a glob with *; ' +
        'entry 3: the same exception is also at entry 1, with a different reason',
    );
    await expect(importExceptions(t.db, pakitiExceptions, { format: 'json' }, 'cli:alice')).rejects.toThrow(/^the import: not valid JSON/);
    expect(await listCveExceptions(t.db)).toEqual([]);
    expect(await listAudit(t.db)).toEqual([]);
    expect(changes).toBe(0);
  });

  test.each(['pakiti-xml', 'json'] as const)('when exceptions are exported as %s and imported into an empty database, then the same exceptions arrive', async (format) => {
    await addException(t.db, { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '1:8.7p1-34.el9', osGroup: 'rhel-9', reason: 'rebuilt <locally> & "signed"' }, 'cli:alice');
    await addException(t.db, { cveId: 'CVE-2023-38408', packageName: 'openssh-server', packageVersion: '8.7p1-*', reason: 'rebuilt' }, 'CN=Bob,O=Example');
    await addException(t.db, { cveId: 'CVE-2023-4911', packageName: 'libc6', packageVersion: '2.36', osGroup: 'debian-12', reason: 'patched' }, 'cli:alice');
    await addException(t.db, { cveId: 'CVE-2014-6271', packageName: 'bash', reason: 'every version' }, 'cli:alice');
    const exported = await exportExceptions(t.db, format);
    expect(exported.count).toBe(4);
    const empty = await createTestDatabase();
    try {
      await addOsGroups(empty.db);
      expect(await importExceptions(empty.db, exported.text, {}, 'cli:carol')).toMatchObject({ format, added: 4 });
      const fields = (rows: CveException[]) => rows.map(({ id: _id, ...rest }) => rest);
      expect(fields(await listCveExceptions(empty.db))).toEqual(fields(await listCveExceptions(t.db)));
    } finally {
      await empty.drop();
    }
  });
});
