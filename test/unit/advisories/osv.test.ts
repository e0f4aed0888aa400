import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { readJsonRecords } from '../../../src/advisories/parsers/json-stream';
import { ecosystemOf, osvParser } from '../../../src/advisories/parsers/osv';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

async function parseFile(...parts: string[]) {
  const collected = collectingSink();
  await osvParser.parse(fs.createReadStream(sharedDataPath('advisories', 'osv', ...parts)), collected.sink);
  return collected;
}

async function parseText(text: string | Buffer) {
  const collected = collectingSink();
  await osvParser.parse(streamInChunks(text, 512), collected.sink);
  return collected;
}

/**
 * Named members of the real Debian OSV archive. It is sorted by path
 * (CVE/2002/…, CVE/2003/…); the last one wanted here is its 3830th member
 * of 31332, so reading stops early.
 */
async function debianMembers(names: string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(names.map((n) => `vuls-data-raw-debian-osv/CVE/${n.split('-')[1]}/${n}.json`));
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  fs.createReadStream(sharedDataPath('advisories', 'osv-debian12.tar.gz')).pipe(createGunzip()).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    if (wanted.has(entry.header.name)) found.set(entry.header.name.replace(/^.*\//, '').replace(/\.json$/, ''), Buffer.concat(chunks));
    if (found.size === wanted.size) {
      extract.destroy();
      break;
    }
  }
  return found;
}

const rows = (feed: Awaited<ReturnType<typeof parseText>>) =>
  feed.affected.map((r) => [r.osGroup, r.packageName, r.fixedVersion, r.cveId, r.advisoryId, r.severity]);

describe('OSV records', () => {
  it('when an AlmaLinux advisory is read, then each binary package is fixed in its epoch-less version, per related CVE', async () => {
    // ALSA-2023:4520, "Moderate: python-requests security update", AlmaLinux:8 python3-requests
    // fixed 2.20.0-3.el8_8 (no epoch: Alma writes one only when it is not 0), related CVE-2023-32681.
    const feed = await parseFile('almalinux', 'ALSA-2023:4520.json');
    expect(feed.affected).toEqual([
      {
        osGroup: 'alma-8', packageName: 'python3-requests', nameKind: 'binary', fixedVersion: '2.20.0-3.el8_8',
        cveId: 'CVE-2023-32681', advisoryId: 'ALSA-2023:4520', severity: 'medium', moduleStream: null,
      },
    ]);
    // The advisory names one CVE, so its severity is that CVE's; the text describes the advisory, not the CVE.
    expect(feed.cves).toEqual([
      { id: 'CVE-2023-32681', severity: 'medium', cvssScore: null, cvssVector: null, publishedAt: null, description: null },
    ]);
    expect(feed.definitions).toBe(1);
  });

  it('when an AlmaLinux version has an epoch, then it is kept as written', async () => {
    // ALSA-2023:5259: mariadb and mariadb-server fixed 3:10.3.39-1.module_el8.8.0+3609+204d4ab0, CVE-2022-32084 and -32091.
    const feed = await parseFile('almalinux', 'ALSA-2023:5259.json');
    expect(rows(feed)).toEqual([
      ['alma-8', 'mariadb', '3:10.3.39-1.module_el8.8.0+3609+204d4ab0', 'CVE-2022-32084', 'ALSA-2023:5259', 'medium'],
      ['alma-8', 'mariadb', '3:10.3.39-1.module_el8.8.0+3609+204d4ab0', 'CVE-2022-32091', 'ALSA-2023:5259', 'medium'],
      ['alma-8', 'mariadb-server', '3:10.3.39-1.module_el8.8.0+3609+204d4ab0', 'CVE-2022-32084', 'ALSA-2023:5259', 'medium'],
      ['alma-8', 'mariadb-server', '3:10.3.39-1.module_el8.8.0+3609+204d4ab0', 'CVE-2022-32091', 'ALSA-2023:5259', 'medium'],
    ]);
    // Two CVEs: the advisory's "Moderate" is only their upper bound, so the CVE rows leave severity open.
    expect(feed.cves.map((c) => [c.id, c.severity])).toEqual([
      ['CVE-2022-32084', 'unknown'],
      ['CVE-2022-32091', 'unknown'],
    ]);
  });

  it('when an AlmaLinux bug-fix advisory names no CVE, then it gives no rows but is one definition', async () => {
    // ALBA-2021:4378 (krb5 bug fix): 7 packages, "related": [].
    const feed = await parseFile('almalinux', 'ALBA-2021:4378.json');
    expect(feed.affected).toEqual([]);
    expect(feed.cves).toEqual([]);
    expect(feed.definitions).toBe(1);
    expect(feed.broken).toEqual([]);
  });

  it('when a Rocky Linux version carries an epoch, even 0, then it is kept, and "Important" is high', async () => {
    // RLSA-2021:3891: java-11-openjdk fixed 1:11.0.13.0.8-1.el8_4, 10 related CVEs; summary "Important: …".
    const java = await parseFile('rocky', 'RLSA-2021_3891.json');
    expect(java.affected).toHaveLength(10);
    expect(rows(java)[0]).toEqual(['rocky-8', 'java-11-openjdk', '1:11.0.13.0.8-1.el8_4', 'CVE-2021-35550', 'RLSA-2021:3891', 'high']);
    expect(java.affected.every((r) => r.nameKind === 'binary')).toBe(true);
    // RLSA-2023:3220: firefox fixed 0:102.11.0-2.el8_7, 7 CVEs.
    const firefox = await parseFile('rocky', 'RLSA-2023_3220.json');
    expect(new Set(firefox.affected.map((r) => r.fixedVersion))).toEqual(new Set(['0:102.11.0-2.el8_7']));
    expect(firefox.affected.map((r) => r.cveId)).toEqual([
      'CVE-2023-32205', 'CVE-2023-32206', 'CVE-2023-32207', 'CVE-2023-32211', 'CVE-2023-32212', 'CVE-2023-32213', 'CVE-2023-32215',
    ]);
  });

  it('when an Ubuntu range has no fixed event, then the package is affected with no fix, and Pro ecosystems are skipped', async () => {
    // UBUNTU-CVE-2020-1944 (trafficserver): Ubuntu:16.04:LTS and Ubuntu:18.04:LTS with only introduced "0";
    // Ubuntu:Pro:20.04:LTS and Ubuntu:Pro:22.04:LTS skipped. upstream CVE-2020-1944, related [], severity "Ubuntu" medium.
    const feed = await parseFile('ubuntu', 'UBUNTU-CVE-2020-1944.json');
    expect(rows(feed)).toEqual([
      ['ubuntu-16.04', 'trafficserver', null, 'CVE-2020-1944', null, 'medium'],
      ['ubuntu-18.04', 'trafficserver', null, 'CVE-2020-1944', null, 'medium'],
    ]);
    expect(feed.affected.every((r) => r.nameKind === 'source')).toBe(true);
    expect(feed.cves).toEqual([
      {
        id: 'CVE-2020-1944', severity: 'medium', cvssScore: null, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        publishedAt: expect.any(Date), description: expect.stringContaining('Apache Traffic Server'),
      },
    ]);
  });

  it('when an Ubuntu record only has Pro entries, then it gives no rows but its CVE', async () => {
    // UBUNTU-CVE-2020-36325: only Ubuntu:Pro:14.04:LTS jansson, no "upstream": the CVE comes from the id itself.
    const feed = await parseFile('ubuntu', 'UBUNTU-CVE-2020-36325.json');
    expect(feed.affected).toEqual([]);
    expect(feed.cves.map((c) => c.id)).toEqual(['CVE-2020-36325']);
    expect(feed.definitions).toBe(1);
  });

  it('when a record is a CVE, then its advisory is the first related one of its own distribution', async () => {
    // UBUNTU-CVE-2021-3782 (wayland), related USN-5614-1 and USN-5614-2; Pro 16.04 skipped.
    const cve = await parseFile('ubuntu', 'UBUNTU-CVE-2021-3782.json');
    expect(rows(cve)).toEqual([
      ['ubuntu-18.04', 'wayland', '1.16.0-1ubuntu1.1~18.04.4', 'CVE-2021-3782', 'USN-5614-1', 'medium'],
      ['ubuntu-20.04', 'wayland', '1.18.0-1ubuntu0.1', 'CVE-2021-3782', 'USN-5614-1', 'medium'],
      ['ubuntu-22.04', 'wayland', '1.20.0-1ubuntu0.1', 'CVE-2021-3782', 'USN-5614-1', 'medium'],
    ]);
    // USN-5614-1 itself: the advisory is the record; its CVE comes from "upstream": ["UBUNTU-CVE-2021-3782"].
    // It has no severity of its own.
    const usn = await parseFile('ubuntu', 'USN-5614-1.json');
    expect(rows(usn)).toEqual([
      ['ubuntu-18.04', 'wayland', '1.16.0-1ubuntu1.1~18.04.4', 'CVE-2021-3782', 'USN-5614-1', 'unknown'],
      ['ubuntu-20.04', 'wayland', '1.18.0-1ubuntu0.1', 'CVE-2021-3782', 'USN-5614-1', 'unknown'],
      ['ubuntu-22.04', 'wayland', '1.20.0-1ubuntu0.1', 'CVE-2021-3782', 'USN-5614-1', 'unknown'],
    ]);
  });

  it('when Debian records are read, then Debian releases give source rows, urgency is the severity, and other ecosystems are skipped', async () => {
    const members = await debianMembers(['CVE-2002-0380', 'CVE-2004-0230', 'CVE-2012-0804']);
    // CVE-2002-0380: tcpdump fixed 3.7.1-1.2 in Debian:11, 12 and 13, related DSA-255, urgency "not yet assigned".
    const tcpdump = await parseText(members.get('CVE-2002-0380')!);
    expect(rows(tcpdump)).toEqual(
      ['debian-11', 'debian-12', 'debian-13'].map((g) => [g, 'tcpdump', '3.7.1-1.2', 'CVE-2002-0380', 'DSA-255', 'unknown']),
    );
    expect(tcpdump.cves[0]).toMatchObject({ id: 'CVE-2002-0380', publishedAt: new Date('2002-06-18T04:00:00Z') });
    // CVE-2004-0230: linux with only introduced "0" (still open), urgency "unimportant" → low; related lists only
    // SUSE advisories, which are no advisory of a Debian row.
    const linux = await parseText(members.get('CVE-2004-0230')!);
    expect(rows(linux)).toEqual(
      ['debian-11', 'debian-12', 'debian-13'].map((g) => [g, 'linux', null, 'CVE-2004-0230', null, 'low']),
    );
    // CVE-2012-0804: 10 Alpine entries skipped; cvs fixed 2:1.12.13+real-7; related DSA-2407-1, RHSA-2012:0321, …
    const cvs = await parseText(members.get('CVE-2012-0804')!);
    expect(rows(cvs)).toEqual(
      ['debian-11', 'debian-12', 'debian-13'].map((g) => [g, 'cvs', '2:1.12.13+real-7', 'CVE-2012-0804', 'DSA-2407-1', 'unknown']),
    );
  });

  it('when ecosystem names are read, then only plain Debian, Ubuntu, AlmaLinux and Rocky releases map', () => {
    expect(ecosystemOf('Debian:12')?.osGroup).toBe('debian-12');
    expect(ecosystemOf('Ubuntu:22.04:LTS')?.osGroup).toBe('ubuntu-22.04');
    expect(ecosystemOf('Ubuntu:24.10')?.osGroup).toBe('ubuntu-24.10');
    expect(ecosystemOf('AlmaLinux:9')?.osGroup).toBe('alma-9');
    expect(ecosystemOf('Rocky Linux:8')?.osGroup).toBe('rocky-8');
    for (const other of ['Ubuntu:Pro:14.04:LTS', 'Alpine:v3.19', 'Debian', 'PyPI', '']) expect(ecosystemOf(other)).toBeNull();
  });

  it('when a stream is not an OSV record or is not JSON, then it is broken or rejected', async () => {
    const notOsv = await parseText('{"candidate": "CVE-2020-1944"}');
    expect(notOsv.broken).toEqual([{ id: '(no id)', reason: expect.stringContaining('not an OSV record') }]);
    await expect(parseText('{"id": "ALSA-2023:4520", "affected": [')).rejects.toThrow(SyntaxError);
  });

  it('when a record is larger than the limit, then reading it is refused', async () => {
    const text = fs.readFileSync(sharedDataPath('advisories', 'osv', 'rocky', 'RLSA-2021_3891.json'));
    await expect(readJsonRecords(streamInChunks(text, 100), 1000)).rejects.toThrow('record larger than');
    await expect(readJsonRecords(streamInChunks(text, 100), text.length)).resolves.toHaveLength(1);
  });
});
