import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FeedFormat } from '../../../src/advisories/feed';
import { readFeed, type ReadFeedOptions } from '../../../src/advisories/input/read-feed';
import { parserFor } from '../../../src/advisories/parsers';
import { collectingSink } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const shared = (...parts: string[]) => sharedDataPath('advisories', ...parts);

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-read-feed-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** A fresh folder under the test's temporary directory. */
function folder(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a system tool (xz, bzip2, tar, zip) the way a user would make the file. */
function run(tool: string, args: string[], cwd = work): Buffer {
  return execFileSync(tool, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
}

async function read(location: string, options: ReadFeedOptions = {}) {
  const collected = collectingSink();
  const progress: [number, number | null][] = [];
  const result = await readFeed(location, collected.sink, { onProgress: (done, total) => progress.push([done, total]), ...options });
  return { ...collected, definitions: collected.definitions, result, progress };
}

/**
 * A tar.gz of feed files as a mirror might ship them: two real OSV records, one
 * gzipped record, one record cut off after 300 bytes (malformed JSON), a CSAF
 * advisory (JSON of no format read here), and a README that is no feed.
 */
function mixedArchive(): string {
  const dir = folder('mixed/feeds');
  fs.copyFileSync(shared('osv', 'almalinux', 'ALSA-2023:4520.json'), path.join(dir, 'ALSA-2023:4520.json'));
  fs.copyFileSync(shared('osv', 'rocky', 'RLSA-2021_3891.json'), path.join(dir, 'RLSA-2021_3891.json'));
  fs.writeFileSync(path.join(dir, 'UBUNTU-CVE-2020-1944.json.gz'), gzipSync(fs.readFileSync(shared('osv', 'ubuntu', 'UBUNTU-CVE-2020-1944.json'))));
  const cut = fs.readFileSync(shared('osv', 'almalinux', 'ALSA-2023:5259.json')).subarray(0, 300);
  expect(cut.toString()).toContain('"ecosystem"'); // enough of it left to be recognised as OSV
  fs.writeFileSync(path.join(dir, 'ALSA-2023:5259.json'), cut);
  fs.copyFileSync(shared('redhat', 'rhsa-2024_6163.json'), path.join(dir, 'rhsa-2024_6163.json'));
  fs.writeFileSync(path.join(dir, 'README.md'), '# not a feed\n');
  const archive = path.join(work, 'mixed.tar.gz');
  run('tar', ['czf', archive, '--sort=name', '-C', path.join(work, 'mixed'), 'feeds']);
  return archive;
}

describe('reading feeds from disk', () => {
  it('when the real AlmaLinux 9 OSV archive is read, then each of its 1783 JSON members is one record', async () => {
    // `tar tzf osv-almalinux9.tar.gz` lists 1784 entries: the directory advisories/almalinux9/ and 1783
    // .json files (1780 ALSA, 3 ALBA), each one OSV record. No member is malformed.
    const feed = await read(shared('osv-almalinux9.tar.gz'));
    expect(feed.result).toEqual({ formats: ['osv'], files: 1783 });
    expect(feed.definitions).toBe(1783);
    expect(feed.broken).toEqual([]);
    // The folder also holds AlmaLinux:8 and :10 entries in some records (the shared data's README says 37 records).
    expect(new Set(feed.affected.map((r) => r.osGroup))).toEqual(new Set(['alma-8', 'alma-9', 'alma-10']));
    // Advisory ids are the record ids: ALSA-2022:4587, …, and a few like ALSA-2025:A002.
    expect(feed.affected.every((r) => r.nameKind === 'binary' && /^AL[SBE]A-\d{4}:\w+$/.test(r.advisoryId ?? ''))).toBe(true);
    // Progress counts the compressed bytes, up to the file's size, never backwards.
    const size = fs.statSync(shared('osv-almalinux9.tar.gz')).size;
    expect(feed.progress[feed.progress.length - 1]).toEqual([size, size]);
    expect(feed.progress.every(([done], i) => i === 0 || done >= feed.progress[i - 1][0])).toBe(true);
  });

  it('when an archive member is malformed or of no known format, then it is broken and the rest is imported', async () => {
    const feed = await read(mixedArchive());
    // Members in name order. Read: ALSA-2023:4520 (1 row), RLSA-2021_3891 (10 rows: one package, ten CVEs), the gzipped
    // UBUNTU-CVE-2020-1944 (2 rows: 16.04 and 18.04); the cut ALSA-2023:5259 is handed to the OSV parser
    // and fails; the CSAF file is not recognised; README.md is not a feed name and is skipped silently.
    expect(feed.definitions).toBe(3);
    expect(feed.affected).toHaveLength(1 + 10 + 2);
    expect(feed.broken).toEqual([
      { id: 'feeds/ALSA-2023:5259.json', reason: expect.stringMatching(/JSON/) },
      { id: 'feeds/rhsa-2024_6163.json', reason: 'format not recognised' },
    ]);
    expect(feed.result).toEqual({ formats: ['osv'], files: 4 });
  });

  it('when a format is forced, then every member is read with it', async () => {
    const feed = await read(mixedArchive(), { format: 'ubuntu-tracker' });
    // Five JSON members, none an Ubuntu tracker record: four are reported by the parser, the cut one fails to parse.
    expect(feed.definitions).toBe(0);
    expect(feed.broken).toHaveLength(5);
    expect(feed.result).toEqual({ formats: ['ubuntu-tracker'], files: 5 });
  });

  it('when files are bzip2 or xz compressed, then the system tools decompress them', async () => {
    const dir = folder('compressed');
    fs.writeFileSync(path.join(dir, 'kev.json.bz2'), run('bzip2', ['-c', shared('kev.json')]));
    fs.writeFileSync(path.join(dir, 'debian.json.xz'), run('xz', ['-c', shared('debian', 'debian.json')]));
    // The name is not what decides: a bzip2 file called .xz is still read.
    fs.writeFileSync(path.join(dir, 'misnamed.xz'), run('bzip2', ['-c', shared('debian', 'debian.json')]));
    const kev = await read(path.join(dir, 'kev.json.bz2'));
    expect(kev.kev).toHaveLength(1404); // "count": 1404
    expect(kev.result).toEqual({ formats: ['kev'], files: 1 });
    const debian = await read(path.join(dir, 'debian.json.xz'));
    expect(debian.affected).toHaveLength(16); // as in debian-tracker.test.ts
    expect(debian.result).toEqual({ formats: ['debian-tracker'], files: 1 });
    expect((await read(path.join(dir, 'misnamed.xz'))).affected).toHaveLength(16);
  });

  it('when an xz file is truncated, then the import fails with xz\'s own complaint', async () => {
    const dir = folder('truncated');
    const whole = run('xz', ['-c', shared('kev.json')]);
    fs.writeFileSync(path.join(dir, 'kev.json.xz'), whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(read(path.join(dir, 'kev.json.xz'))).rejects.toThrow(/xz could not decompress kev\.json\.xz/);
  });

  it('when a zip archive is read, then its feed members are streamed one by one', async () => {
    const dir = folder('zip');
    const archive = path.join(dir, 'osv.zip');
    fs.writeFileSync(path.join(dir, 'README.txt'), 'not a feed');
    // 4 AlmaLinux and 2 Rocky records; README.txt is skipped.
    run('zip', ['-q', '-j', archive, ...fs.readdirSync(shared('osv', 'almalinux')).map((f) => shared('osv', 'almalinux', f)),
      ...fs.readdirSync(shared('osv', 'rocky')).map((f) => shared('osv', 'rocky', f)), path.join(dir, 'README.txt')]);
    const feed = await read(archive);
    expect(feed.definitions).toBe(6);
    expect(feed.broken).toEqual([]);
    expect(feed.result).toEqual({ formats: ['osv'], files: 6 });
    // ALSA-2022:8194 is the only AlmaLinux 9 record: 3 libtiff packages × 10 CVEs.
    expect(feed.affected.filter((r) => r.osGroup === 'alma-9')).toHaveLength(30);
    const size = fs.statSync(archive).size;
    expect(feed.progress[feed.progress.length - 1]).toEqual([size, size]);
  });

  it('when a directory is read, then its files are walked in sorted order, each read as above', async () => {
    const dir = folder('tree');
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b/c'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'z'));
    fs.copyFileSync(shared('debian', 'debian.json'), path.join(dir, 'a', 'debian.json'));
    fs.writeFileSync(path.join(dir, 'b', 'kev.json.gz'), gzipSync(fs.readFileSync(shared('kev.json'))));
    // A tar.xz of the 7 Ubuntu OSV records plus one cut short.
    const staging = folder('tree-staging');
    const ubuntu = fs.readdirSync(shared('osv', 'ubuntu'));
    for (const f of ubuntu) fs.copyFileSync(shared('osv', 'ubuntu', f), path.join(staging, f));
    fs.writeFileSync(path.join(staging, 'cut.json'), fs.readFileSync(shared('osv', 'ubuntu', 'USN-5614-1.json')).subarray(0, 200));
    // Byte order puts cut.json last, after the upper-case record names.
    const members = [...ubuntu, 'cut.json'].sort();
    run('tar', ['cf', path.join(dir, 'b', 'c', 'ubuntu-osv.tar'), '-C', staging, ...members]);
    run('xz', [path.join(dir, 'b', 'c', 'ubuntu-osv.tar')]); // → ubuntu-osv.tar.xz
    // A gzipped tar cut in half: the whole file is one broken member of the directory.
    const tgz = run('tar', ['czf', '-', '-C', staging, ...members]);
    fs.writeFileSync(path.join(dir, 'z', 'half.tar.gz'), tgz.subarray(0, Math.floor(tgz.length / 2)));
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a feed'); // skipped: not a feed name
    fs.copyFileSync(shared('debian', 'security-tracker', 'data', 'DSA', 'list'), path.join(dir, 'list')); // no extension: sniffed
    const feed = await read(dir);
    // Order: a/debian.json, b/c/ubuntu-osv.tar.xz, b/kev.json.gz, list, z/half.tar.gz.
    expect(feed.result.formats).toEqual(['debian-tracker', 'osv', 'kev']);
    // The half archive gives up some of its first records before it breaks (never cut.json, its last member).
    expect(feed.broken.slice(0, 2)).toEqual([
      { id: 'b/c/ubuntu-osv.tar/cut.json', reason: expect.stringMatching(/JSON/) },
      { id: 'list', reason: 'format not recognised' },
    ]);
    expect(feed.broken[2]).toEqual({ id: 'z/half.tar.gz', reason: expect.stringMatching(/unexpected end of file/i) });
    expect(feed.broken).toHaveLength(3);
    expect(feed.definitions).toBeGreaterThanOrEqual(6 + ubuntu.length + 1404);
    expect(feed.definitions).toBeLessThanOrEqual(6 + ubuntu.length + 1404 + ubuntu.length);
    const total = ['a/debian.json', 'b/c/ubuntu-osv.tar.xz', 'b/kev.json.gz', 'list', 'z/half.tar.gz']
      .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    expect(feed.progress[feed.progress.length - 1]).toEqual([total, total]);
  });

  it('when a single file is of no known format, then reading fails and suggests --format', async () => {
    await expect(read(shared('redhat', 'rhsa-2024_6163.json'))).rejects.toThrow(/not recognised.*--format/);
    // Named, it is read with that format (and, not being OSV, reported as broken rather than failing).
    const forced = await read(shared('redhat', 'rhsa-2024_6163.json'), { format: 'osv' });
    expect(forced.broken).toEqual([{ id: '(no id)', reason: expect.stringContaining('not an OSV record') }]);
  });

  it('when the import is aborted, then reading stops with the abort', async () => {
    const controller = new AbortController();
    const reading = read(shared('osv-almalinux9.tar.gz'), { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('when a parser is asked for by format, then each of the seven formats has its own', () => {
    const formats: FeedFormat[] = ['redhat-oval', 'debian-oval', 'debian-tracker', 'ubuntu-oval', 'ubuntu-tracker', 'osv', 'kev'];
    for (const format of formats) expect(parserFor(format).format).toBe(format);
    expect(() => parserFor('csaf' as FeedFormat)).toThrow('unknown feed format "csaf"');
  });
});
