/**
 * `patchscope tags` and `patchscope exceptions` as an operator runs them: the
 * built command in a child process, against a real database (SQLite, or
 * MariaDB with TEST_DB=mysql).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listAudit } from '../../src/repositories/audit';
import { listCveExceptions } from '../../src/repositories/cve-exceptions';
import { listCveTags } from '../../src/repositories/cve-tags';
import { runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database';

jest.setTimeout(60_000);

const fixtures = path.join(__dirname, '../fixtures/pakiti');

let t: TestDatabase;
let dir: string;
const envOf = (db: TestDatabase) => ({ PATCHSCOPE_DATA_DIR: db.config.dataDir, PATCHSCOPE_DB: db.config.database.url, USER: 'alice' });
const cli = (args: string[], input?: string) => runCli(args, { env: envOf(t), input });

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db('os_groups').insert([{ name: 'rhel-9', family: 'rpm' }, { name: 'debian-12', family: 'dpkg' }]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-cli-tags-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.drop();
});

describe(`patchscope tags on ${testDialect}`, () => {
  test('when a CVE is tagged, disabled, listed and untagged, then each step answers in one line and is audit-logged', async () => {
    const add = await cli(['tags', 'add', 'cve-2024-6387', 'EGI-Critical', '--reason', 'regreSSHion, EGI advisory']);
    expect(add).toMatchObject({ code: 0, stdout: 'tagged CVE-2024-6387 EGI-Critical\n', stderr: '' });
    expect((await cli(['tags', 'disable', 'CVE-2024-6387', 'EGI-Critical'])).stdout).toBe('CVE-2024-6387 EGI-Critical is now disabled\n');
    const list = await cli(['tags', 'list']);
    expect(list.stdout).toMatch(/^CVE\tTAG\tENABLED\tBY\tSINCE \(UTC\)\tREASON\nCVE-2024-6387\tEGI-Critical\tno\tcli:alice\t\d{4}-\d\d-\d\d \d\d:\d\d\tregreSSHion, EGI advisory\n$/);
    const json = JSON.parse((await cli(['tags', 'list', '--json', '--tag', 'EGI-Critical'])).stdout);
    expect(json).toMatchObject([{ cveId: 'CVE-2024-6387', tag: 'EGI-Critical', enabled: false, createdBy: 'cli:alice' }]);
    expect((await cli(['tags', 'remove', 'CVE-2024-6387', 'EGI-Critical'])).stdout).toBe('removed tag EGI-Critical from CVE-2024-6387\n');
    expect((await cli(['tags', 'list'])).stdout).toBe('no CVE tags\n');
    expect((await listAudit(t.db, { targetType: 'cve_tag' })).map((e) => [e.action, e.actor])).toEqual([
      ['tag.remove', 'cli:alice'], ['tag.disable', 'cli:alice'], ['tag.add', 'cli:alice'],
    ]);
  });

  test('when the input is bad, then the command exits 1 with one line naming the problem and stores nothing', async () => {
    const cases: [string[], string][] = [
      [['tags', 'add', 'CVE-24-1', 'High', '--reason', 'x'], 'patchscope: "CVE-24-1" is not a CVE id: expected CVE-YYYY-NNNN (four or more digits)\n'],
      [['tags', 'add', 'CVE-2021-4034', 'High', '--reason', ''], 'patchscope: a reason is required and must not be empty\n'],
      [['tags', 'remove', 'CVE-2021-4034', 'High'], 'patchscope: CVE-2021-4034 has no tag High\n'],
      [['tags', 'export', '--format', 'csv'], 'patchscope: unknown format "csv"; use one of json, pakiti-xml\n'],
      [['tags', 'import', path.join(dir, 'missing.xml')], `patchscope: cannot read ${path.join(dir, 'missing.xml')}: no such file\n`],
    ];
    for (const [args, stderr] of cases) expect(await cli(args)).toMatchObject({ code: 1, stdout: '', stderr });
    expect(await listCveTags(t.db)).toEqual([]);
  });

  test("when Pakiti's export is imported, then the summary counts it; exported again as Pakiti XML it round-trips into an empty database", async () => {
    const dry = await cli(['tags', 'import', path.join(fixtures, 'cve-tags.xml'), '--dry-run']);
    expect(dry.stdout).toMatch(/^dry run, nothing changed: would import 2 CVE tags from .*cve-tags.xml \(pakiti-xml\): 2 added, 0 updated, 0 unchanged, 0 removed\n/);
    expect(await listCveTags(t.db)).toEqual([]);
    const result = await cli(['tags', 'import', path.join(fixtures, 'cve-tags.xml')]);
    expect(result.stdout).toMatch(/^imported 2 CVE tags .*: 2 added, 0 updated, 0 unchanged, 0 removed\nnote: 1 infoUrl value was not kept/);

    const file = path.join(dir, 'tags.xml');
    expect((await cli(['tags', 'export', '--format', 'pakiti-xml', '--output', file])).stdout).toBe(`exported 2 CVE tags to ${file} (pakiti-xml)\n`);
    const empty = await createTestDatabase();
    try {
      const imported = await runCli(['tags', 'import', '-'], { env: envOf(empty), input: fs.readFileSync(file, 'utf8') });
      expect(imported.stdout).toMatch(/^imported 2 CVE tags from standard input \(pakiti-xml\): 2 added/);
      const fields = (tags: Awaited<ReturnType<typeof listCveTags>>) => tags.map(({ id: _i, updatedAt: _u, ...rest }) => rest);
      expect(fields(await listCveTags(empty.db))).toEqual(fields(await listCveTags(t.db)));
    } finally {
      await empty.drop();
    }
    await t.db('cve_tags').delete();
  });
});

describe(`patchscope exceptions on ${testDialect}`, () => {
  test('when exceptions are added, listed and removed by id or by what they say, then each step answers and nothing else changes', async () => {
    const add = await cli(['exceptions', 'add', 'CVE-2023-38408', 'openssh-clients', '0:8.7p1-34.el9', '--os-group', 'rhel-9', '--reason', 'rebuilt']);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/^added exception (\d+): openssh-clients 8.7p1-34.el9 on rhel-9 is not vulnerable to CVE-2023-38408\n$/);
    const id = /exception (\d+)/.exec(add.stdout)?.[1];
    await cli(['exceptions', 'add', 'CVE-2023-4911', 'libc6', '--reason', 'tunables disabled']);
    const list = await cli(['exceptions', 'list', '--cve', 'CVE-2023-38408']);
    expect(list.stdout).toMatch(new RegExp(`^ID\tCVE\tPACKAGE\tVERSION\tOS GROUP\tBY\tSINCE \\(UTC\\)\tREASON\n${id}\tCVE-2023-38408\topenssh-clients\t8.7p1-34.el9\trhel-9\tcli:alice\t[^\t]+\trebuilt\n$`));
    expect((await cli(['exceptions', 'remove', String(id)])).stdout).toBe(`removed exception ${id} (CVE-2023-38408 openssh-clients)\n`);
    expect((await cli(['exceptions', 'remove', 'CVE-2023-4911', 'libc6'])).stdout).toMatch(/^removed exception \d+ \(CVE-2023-4911 libc6\)\n$/);
    expect(await listCveExceptions(t.db)).toEqual([]);
    expect((await listAudit(t.db, { targetType: 'cve_exception' })).map((e) => e.action)).toEqual(['exception.remove', 'exception.remove', 'exception.add', 'exception.add']);
  });

  test('when the OS group or version is wrong, then the command exits 1 naming the problem and stores nothing', async () => {
    const unknown = await cli(['exceptions', 'add', 'CVE-2023-38408', 'openssh', '--os-group', 'sl-6', '--reason', 'x']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'patchscope: unknown OS group "sl-6"; known OS groups: debian-12, rhel-9\n' });
    const version = await cli(['exceptions', 'add', 'CVE-2023-38408', 'openssh', '8.7p1', '--os-group', 'rhel-9', '--reason', 'x']);
    expect(version).toMatchObject({ code: 1, stderr: expect.stringMatching(/^patchscope: "8.7p1" is not an exact rpm version/) });
    expect(await listCveExceptions(t.db)).toEqual([]);
  });

  test("when Pakiti's export is imported with a map for its OS group names, then it arrives; JSON export round-trips", async () => {
    const args = ['exceptions', 'import', path.join(fixtures, 'cve-exceptions.xml'), '--os-group-map', 'Red Hat Enterprise Linux 9=rhel-9'];
    const result = await cli(args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^imported 2 CVE exceptions from .*: 2 added, 0 updated, 0 unchanged, 0 removed\nnote: 1 duplicate entry merged/);
    expect((await cli(args)).stdout).toMatch(/: 0 added, 0 updated, 2 unchanged, 0 removed/);
    const exported = await cli(['exceptions', 'export']);
    expect(JSON.parse(exported.stdout)).toMatchObject({ format: 'patchscope-cve-exceptions', exceptions: [{ packageName: 'openssh-clients' }, { packageName: 'libc6' }] });
    await t.db('cve_exceptions').delete();
    expect((await cli(['exceptions', 'import', '-'], exported.stdout)).stdout).toMatch(/^imported 2 CVE exceptions from standard input \(json\): 2 added/);
    expect((await listCveExceptions(t.db)).map((e) => [e.packageName, e.packageVersion, e.osGroup])).toEqual([
      ['openssh-clients', '8.7p1-34.el9', 'rhel-9'],
      ['libc6', '2.36-9+deb12u3', 'debian-12'],
    ]);
  });

  test('when an import file is broken or of the other kind, then nothing is imported and the reason is one line', async () => {
    const before = await listCveExceptions(t.db);
    const tagsFile = await cli(['exceptions', 'import', path.join(fixtures, 'cve-tags.xml')]);
    expect(tagsFile).toMatchObject({ code: 1, stderr: expect.stringMatching(/^patchscope: .*cve-tags.xml: this file holds CVE tags, not exceptions \(use patchscope tags import\); nothing imported\n$/) });
    const badMap = await cli(['exceptions', 'import', path.join(fixtures, 'cve-exceptions.xml'), '--os-group-map', 'rhel-9']);
    expect(badMap).toMatchObject({ code: 1, stderr: 'patchscope: --os-group-map "rhel-9": expected NAME=OS-GROUP[,OS-GROUP…]\n' });
    expect(await listCveExceptions(t.db)).toEqual(before);
  });
});
