import fs from 'node:fs';
import path from 'node:path';
import { listAudit } from '../../../src/repositories/audit';
import { listCveTags } from '../../../src/repositories/cve-tags';
import { addTag, exportTags, importTags, listTags, removeTag, setTagEnabled } from '../../../src/status/tags';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

const pakitiTags = fs.readFileSync(path.join(__dirname, '../../fixtures/pakiti/cve-tags.xml'), 'utf8');

// Migrating a MariaDB database takes seconds, and the round trips make a second one.
jest.setTimeout(30_000);

let t: TestDatabase;
let changes: number;
const hooks = { onChange: async () => void changes++ };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  changes = 0;
  await t.db('cve_tags').delete();
  await t.db('audit_log').delete();
});

/** What a tag says, without the database's id and write times. */
const content = async (db = t.db) => (await listCveTags(db)).map(({ cveId, tag, reason, enabled, createdBy }) => ({ cveId, tag, reason, enabled, createdBy }));

describe(`CVE tags on ${testDialect}`, () => {
  test('when a CVE is tagged, then it is listed with who and when, the change is audit-logged and the evaluator told', async () => {
    const before = Date.now();
    const tag = await addTag(t.db, { cveId: 'cve-2024-6387', tag: 'EGI-Critical', reason: 'regreSSHion' }, 'cli:alice', hooks);
    expect(tag).toMatchObject({ cveId: 'CVE-2024-6387', tag: 'EGI-Critical', reason: 'regreSSHion', enabled: true, createdBy: 'cli:alice' });
    expect(tag.createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(new Date(`${tag.createdAt.replace(' ', 'T')}Z`).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await listTags(t.db)).toEqual([tag]);
    const [entry] = await listAudit(t.db, { targetType: 'cve_tag' });
    expect(entry).toMatchObject({ action: 'tag.add', actor: 'cli:alice', target: 'CVE-2024-6387 EGI-Critical', details: { reason: 'regreSSHion', enabled: true } });
    expect(changes).toBe(1);
  });

  test('when the same tag is added twice or the input is bad, then nothing changes and the error names the problem', async () => {
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'sshd' }, 'cli:alice');
    const before = await listCveTags(t.db);
    await expect(addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'again' }, 'cli:bob', hooks)).rejects.toThrow('CVE-2024-6387 is already tagged Critical (enabled)');
    await expect(addTag(t.db, { cveId: 'CVE-2024-638', tag: 'High', reason: 'x' }, 'cli:bob', hooks)).rejects.toThrow(/is not a CVE id/);
    await expect(addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'very high', reason: 'x' }, 'cli:bob', hooks)).rejects.toThrow(/is not a valid tag/);
    await expect(addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'High', reason: ' ' }, 'cli:bob', hooks)).rejects.toThrow('a reason is required');
    expect(await listCveTags(t.db)).toEqual(before);
    expect(await listAudit(t.db)).toHaveLength(1);
    expect(changes).toBe(0);
  });

  test('when an advisory id is not a CVE, then it is taken only if a loaded feed knows it', async () => {
    await expect(addTag(t.db, { cveId: 'GHSA-xvch-5gv4-984h', tag: 'High', reason: 'x' }, 'cli:alice')).rejects.toThrow('not a CVE id, and no loaded advisory feed knows it: GHSA-xvch-5gv4-984h');
    await t.db('cves').insert({ id: 'GHSA-xvch-5gv4-984h', severity: 'high' });
    try {
      expect(await addTag(t.db, { cveId: 'GHSA-xvch-5gv4-984h', tag: 'High', reason: 'x' }, 'cli:alice')).toMatchObject({ cveId: 'GHSA-xvch-5gv4-984h' });
    } finally {
      await t.db('cves').delete();
    }
  });

  test('when a tag is disabled and enabled, then each real change is logged and a repeat is a no-op', async () => {
    await addTag(t.db, { cveId: 'CVE-2021-4034', tag: 'High', reason: 'pwnkit' }, 'cli:alice');
    expect(await setTagEnabled(t.db, 'CVE-2021-4034', 'High', false, 'cli:bob', hooks)).toMatchObject({ changed: true, tag: { enabled: false } });
    expect(await setTagEnabled(t.db, 'CVE-2021-4034', 'High', false, 'cli:bob', hooks)).toMatchObject({ changed: false });
    expect(await listCveTags(t.db, { enabledOnly: true })).toEqual([]);
    await setTagEnabled(t.db, 'CVE-2021-4034', 'High', true, 'cli:bob', hooks);
    expect((await listAudit(t.db)).map((e) => e.action)).toEqual(['tag.enable', 'tag.disable', 'tag.add']);
    expect(changes).toBe(2);
    await expect(setTagEnabled(t.db, 'CVE-2021-4034', 'Low', true, 'cli:bob')).rejects.toThrow('CVE-2021-4034 has no tag Low');
  });

  test('when tags are listed for the evaluator, then CVE, tag and enabled filters apply, also to long CVE lists', async () => {
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'a' }, 'cli:alice');
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'EGI-Critical', reason: 'b', enabled: false }, 'cli:alice');
    await addTag(t.db, { cveId: 'CVE-2021-4034', tag: 'Critical', reason: 'c' }, 'cli:alice');
    const many = Array.from({ length: 1200 }, (_, i) => `CVE-2000-${String(i).padStart(4, '0')}`);
    const pairs = (tags: { cveId: string; tag: string }[]) => tags.map((x) => `${x.cveId} ${x.tag}`);
    expect(pairs(await listCveTags(t.db, { cveIds: [...many, 'CVE-2024-6387'] }))).toEqual(['CVE-2024-6387 Critical', 'CVE-2024-6387 EGI-Critical']);
    expect(pairs(await listCveTags(t.db, { tag: 'Critical' }))).toEqual(['CVE-2021-4034 Critical', 'CVE-2024-6387 Critical']);
    expect(pairs(await listCveTags(t.db, { cveIds: ['CVE-2024-6387'], enabledOnly: true }))).toEqual(['CVE-2024-6387 Critical']);
    expect(await listCveTags(t.db, { cveIds: [] })).toEqual([]);
  });

  test('when a tag is removed, then it is gone and the removal logged with what it said', async () => {
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'sshd' }, 'cli:alice');
    await removeTag(t.db, 'CVE-2024-6387', 'Critical', 'cli:bob', hooks);
    expect(await listCveTags(t.db)).toEqual([]);
    expect((await listAudit(t.db))[0]).toMatchObject({ action: 'tag.remove', actor: 'cli:bob', details: { reason: 'sshd', enabled: true } });
    await expect(removeTag(t.db, 'CVE-2024-6387', 'Critical', 'cli:bob', hooks)).rejects.toThrow('CVE-2024-6387 has no tag Critical');
    expect(changes).toBe(1);
  });
});

describe(`importing CVE tags on ${testDialect}`, () => {
  test('when a Pakiti export is imported, then its tags arrive with Pakiti\'s who and when, and a second import changes nothing', async () => {
    const summary = await importTags(t.db, pakitiTags, { source: 'tags.xml' }, 'cli:alice', hooks);
    expect(summary).toEqual({
      format: 'pakiti-xml', entries: 2, added: 2, updated: 0, unchanged: 0, removed: 0, dryRun: false,
      notes: ['1 infoUrl value was not kept: Patchscope stores no info URL for a tag'],
    });
    const tags = await listCveTags(t.db);
    expect(tags.map(({ cveId, tag, enabled, createdBy, createdAt }) => ({ cveId, tag, enabled, createdBy, createdAt }))).toEqual([
      { cveId: 'CVE-2021-4034', tag: 'High', enabled: false, createdBy: 'pakiti.example.org', createdAt: '2022-01-26 08:00:00.000' },
      { cveId: 'CVE-2024-6387', tag: 'EGI-Critical', enabled: true, createdBy: 'pakiti.example.org', createdAt: '2024-07-01 14:02:11.000' },
    ]);
    expect(tags[1].reason).toBe('regreSSHion: unauthenticated RCE in sshd & EGI advisory <SVG-2024-6387>');
    expect(await importTags(t.db, pakitiTags, {}, 'cli:alice', hooks)).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
    const audit = await listAudit(t.db);
    expect(audit.map((e) => [e.action, e.target])).toEqual([['tag.import', 'import'], ['tag.import', 'tags.xml']]);
    expect(audit[1].details).toMatchObject({ format: 'pakiti-xml', added: ['CVE-2024-6387 EGI-Critical', 'CVE-2021-4034 High'], updated: [], removed: [] });
    expect(changes).toBe(1);
  });

  test('when an import changes a reason or flag, or replaces, then tags are updated and the ones not in the file removed', async () => {
    await addTag(t.db, { cveId: 'CVE-2021-4034', tag: 'High', reason: 'old reason' }, 'cli:alice');
    await addTag(t.db, { cveId: 'CVE-2014-6271', tag: 'Critical', reason: 'shellshock' }, 'cli:alice');
    const summary = await importTags(t.db, pakitiTags, { replace: true }, 'cli:bob', hooks);
    expect(summary).toMatchObject({ added: 1, updated: 1, unchanged: 0, removed: 1 });
    expect(await content()).toEqual([
      { cveId: 'CVE-2021-4034', tag: 'High', reason: 'pwnkit', enabled: false, createdBy: 'cli:alice' },
      { cveId: 'CVE-2024-6387', tag: 'EGI-Critical', reason: expect.stringMatching(/^regreSSHion/), enabled: true, createdBy: 'pakiti.example.org' },
    ]);
  });

  test('when any entry is bad, then nothing is imported and every problem is named with its place', async () => {
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'sshd' }, 'cli:alice');
    const before = await listCveTags(t.db);
    const json = JSON.stringify({ format: 'patchscope-cve-tags', version: 1, tags: [
      { cveId: 'CVE-2021-4034', tag: 'High', reason: 'pwnkit' },
      { cveId: 'CVE-2021-44228', tag: 'Log 4 Shell', reason: 'log4j' },
      { cveId: 'CVE-2021-4034', tag: 'High', reason: 'another reason' },
      { cveId: 'CVE-2022-0847', tag: 'High' },
    ] });
    await expect(importTags(t.db, json, { source: 'tags.json' }, 'cli:alice', hooks)).rejects.toThrow(
      '3 problems in tags.json, nothing imported: entry 2: "Log 4 Shell" is not a valid tag: use 1 to 64 letters, digits and . _ : + - (starting with a letter or digit); ' +
        'entry 3: CVE-2021-4034 High is also at entry 1, with a different reason or enabled flag; entry 4: a reason is required and must not be empty',
    );
    await expect(importTags(t.db, '<cveTags><cveTag>', { source: 'broken.xml' }, 'cli:alice')).rejects.toThrow(/^broken.xml: not well-formed XML: .*; nothing imported$/);
    await expect(importTags(t.db, '{"tags": [{"cveId": "CVE-2021-4034", "tag": "High", "reson": "typo"}]}', {}, 'cli:alice')).rejects.toThrow(/entry 1: .*reson/);
    expect(await listCveTags(t.db)).toEqual(before);
    expect(await listAudit(t.db)).toHaveLength(1);
    expect(changes).toBe(0);
  });

  test('when an import is a dry run, then it says what would change and changes nothing', async () => {
    const summary = await importTags(t.db, pakitiTags, { dryRun: true }, 'cli:alice', hooks);
    expect(summary).toMatchObject({ added: 2, dryRun: true });
    expect(await listCveTags(t.db)).toEqual([]);
    expect(await listAudit(t.db)).toEqual([]);
    expect(changes).toBe(0);
  });

  test.each(['pakiti-xml', 'json'] as const)('when tags are exported as %s and imported into an empty database, then the same tags arrive', async (format) => {
    await addTag(t.db, { cveId: 'CVE-2024-6387', tag: 'EGI-Critical', reason: 'sshd <RCE> & "more"\nsecond line' }, 'CN=Alice Example,O=Example');
    await addTag(t.db, { cveId: 'CVE-2021-4034', tag: 'High', reason: 'pwnkit', enabled: false }, 'cli:bob');
    const exported = await exportTags(t.db, format);
    expect(exported.count).toBe(2);
    const empty = await createTestDatabase();
    try {
      expect(await importTags(empty.db, exported.text, {}, 'cli:carol')).toMatchObject({ format, added: 2 });
      const fields = (tags: Awaited<ReturnType<typeof listCveTags>>) => tags.map(({ id: _id, updatedAt: _u, ...rest }) => rest);
      expect(fields(await listCveTags(empty.db))).toEqual(fields(await listCveTags(t.db)));
    } finally {
      await empty.drop();
    }
  });
});
