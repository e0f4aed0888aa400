/**
 * Reading a set's cached vulnerabilities (setVulns in
 * src/repositories/package-vulns.ts): right rows, and a plan that starts from
 * the set's chunks whatever the table statistics say. The data here is the
 * shape that misled MariaDB: a few cached rows on the OS group, on packages
 * that many chunks hold.
 */
import { insertRows, toDbTime } from '../../../src/db';
import { setVulns, setVulnsQuery } from '../../../src/repositories/package-vulns';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

jest.setTimeout(60_000);

describe(`a set's cached vulnerabilities on ${testDialect}`, () => {
  let t: TestDatabase;
  let groupId: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    await insertRows(t.db, 'os_groups', [{ name: 'rhel-7', family: 'rpm', description: 'test' }]);
    groupId = Number((await t.db('os_groups').where({ name: 'rhel-7' }).first()).id);
    await insertRows(t.db, 'advisory_sources', [{ id: 1, name: 'redhat-7', kind: 'redhat-oval', uri: 'file:///rhel-7.oval.xml' }]);
    await insertRows(t.db, 'packages', Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, key_hash: `k${i + 1}`, type: 'rpm', name: `pkg${i + 1}`, version: '1', release: '1', arch: 'x86_64' })));
    // Set 1 is chunks 1-100, ten packages each (1-1000); set 2 is chunk 5 (41-50).
    // Chunks 101-300, other hosts' variants, each hold packages 5, 25 and 45 and seven others.
    const chunks = Array.from({ length: 300 }, (_, c) => (c < 100 ? Array.from({ length: 10 }, (__, k) => c * 10 + k + 1) : [5, 25, 45, ...Array.from({ length: 7 }, (__, k) => 101 + ((c * 7 + k) % 900))]));
    await insertRows(t.db, 'package_chunks', chunks.map((_, c) => ({ id: c + 1, hash: `c${c + 1}`, package_count: 10 })));
    await insertRows(t.db, 'package_chunk_items', chunks.flatMap((ids, c) => ids.map((packageId) => ({ chunk_id: c + 1, package_id: packageId }))));
    await insertRows(t.db, 'package_sets', [1, 2].map((id) => ({ id, hash: `s${id}`, package_count: id === 1 ? 1000 : 10, created_at: toDbTime(new Date()) })));
    await insertRows(t.db, 'package_set_chunks', [...chunks.slice(0, 100).map((_, c) => ({ package_set_id: 1, chunk_id: c + 1 })), { package_set_id: 2, chunk_id: 5 }]);
    // Package 5 has two CVEs, 25 and 45 one each; only 45 is in set 2.
    const vuln = (packageId: number, cveId: string) => ({ os_group_id: groupId, package_id: packageId, cve_id: cveId, fixed_version: '0:2-1', status: 'fixed', severity: 'high', source_id: 1 });
    await insertRows(t.db, 'package_vulns', [vuln(5, 'CVE-2026-0001'), vuln(5, 'CVE-2026-0002'), vuln(25, 'CVE-2026-0003'), vuln(45, 'CVE-2026-0004')]);
  });
  afterAll(async () => t?.drop());

  test('when a set is read, then it gets each cached vulnerability of its own packages once, and a package with two CVEs is one object', async () => {
    const vulns = await setVulns(t.db, groupId, 1);
    expect(vulns.map((v) => `${v.pkg.name} ${v.cveId}`).sort()).toEqual(['pkg25 CVE-2026-0003', 'pkg45 CVE-2026-0004', 'pkg5 CVE-2026-0001', 'pkg5 CVE-2026-0002']);
    expect(vulns[0]).toMatchObject({ fixedVersion: '0:2-1', severity: 'high', sourceId: 1, advisoryId: null });
    const pkg5 = vulns.filter((v) => v.packageId === 5);
    expect(pkg5[0].pkg).toBe(pkg5[1].pkg);
    expect((await setVulns(t.db, groupId, 2)).map((v) => v.cveId)).toEqual(['CVE-2026-0004']);
  });

  test('when the statement is planned, then it reads the set\'s chunks first and everything after them by key', async () => {
    const { sql, bindings } = setVulnsQuery(t.db, groupId, 1).toSQL();
    if (testDialect === 'mysql') {
      const [rows] = (await t.db.raw(`EXPLAIN ${sql}`, bindings)) as unknown as [{ table: string; type: string }[]];
      expect(rows.map((r) => r.table)).toEqual(['sc', 'ci', 'v']);
      for (const r of rows.slice(1)) expect(['ref', 'eq_ref']).toContain(r.type);
    } else {
      const rows = (await t.db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings)) as { detail: string }[];
      const steps = rows.map((r) => r.detail);
      expect(steps.map((s) => /^(?:SCAN|SEARCH) (\w+)/.exec(s)?.[1])).toEqual(['sc', 'ci', 'v']);
      for (const step of steps.slice(1)) expect(step).toMatch(/^SEARCH \w+ USING (?:COVERING INDEX|INDEX|INTEGER PRIMARY KEY|PRIMARY KEY)/);
    }
  });
});
