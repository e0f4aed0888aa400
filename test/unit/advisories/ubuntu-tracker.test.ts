import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { ubuntuTrackerParser, versionInNote } from '../../../src/advisories/parsers/ubuntu-tracker';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const ARCHIVE = ['advisories', 'ubuntu-cve-tracker-jammy.tar.gz'];
const MEMBER = (cve: string) => `vuls-data-raw-ubuntu-cve-tracker/${cve.split('-')[1]}/${cve}.json`;

/**
 * The named members of the real tracker archive. The members chosen sit among
 * its first 400 (it is sorted by path: 2002/, 2006/, 2007/, …), so reading
 * stops long before the archive's 22890 members.
 */
async function membersOf(names: string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(names);
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  fs.createReadStream(sharedDataPath(...ARCHIVE)).pipe(createGunzip()).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    if (wanted.has(entry.header.name)) found.set(entry.header.name, Buffer.concat(chunks));
    if (found.size === wanted.size) {
      extract.destroy();
      break;
    }
  }
  return found;
}

let members: Map<string, Buffer>;
beforeAll(async () => {
  members = await membersOf(['CVE-2015-20107', 'CVE-2012-0880', 'CVE-2008-4392', 'CVE-2014-4607'].map(MEMBER));
});

async function parseRecord(data: Buffer | string) {
  const collected = collectingSink();
  await ubuntuTrackerParser.parse(streamInChunks(data, 1000), collected.sink);
  return collected;
}

const rows = (feed: Awaited<ReturnType<typeof parseRecord>>) => feed.affected.map((r) => [r.osGroup, r.packageName, r.fixedVersion, r.severity]);

describe('Ubuntu CVE tracker records', () => {
  it('when a package is released, needed or DNE, then released gives its fixed version, needed no fix, DNE nothing', async () => {
    // CVE-2015-20107 (python mailcap), priority "low". Its plain-release entries that give rows:
    //   bionic python2.7 released 2.7.17-1~18.04ubuntu1.8, python3.6 released 3.6.9-1~18.04ubuntu1.8;
    //   focal python2.7 released 2.7.18-1~20.04.3, python3.8 released 3.8.10-0ubuntu1~20.04.5, python3.9 needed;
    //   jammy python2.7 released 2.7.18-13ubuntu1.1, python3.10 released 3.10.4-3ubuntu0.1.
    // Everything else is DNE, "ignored" (trusty, xenial, bionic 3.7/3.8: end of standard support),
    // an EOL interim release (impish, kinetic), or an ESM stream (trusty/esm, esm-infra/xenial, esm-apps/…): no row.
    const feed = await parseRecord(members.get(MEMBER('CVE-2015-20107'))!);
    expect(rows(feed)).toEqual([
      ['ubuntu-18.04', 'python2.7', '2.7.17-1~18.04ubuntu1.8', 'low'],
      ['ubuntu-18.04', 'python3.6', '3.6.9-1~18.04ubuntu1.8', 'low'],
      ['ubuntu-20.04', 'python2.7', '2.7.18-1~20.04.3', 'low'],
      ['ubuntu-20.04', 'python3.8', '3.8.10-0ubuntu1~20.04.5', 'low'],
      ['ubuntu-20.04', 'python3.9', null, 'low'],
      ['ubuntu-22.04', 'python2.7', '2.7.18-13ubuntu1.1', 'low'],
      ['ubuntu-22.04', 'python3.10', '3.10.4-3ubuntu0.1', 'low'],
    ]);
    expect(feed.affected.every((r) => r.cveId === 'CVE-2015-20107' && r.nameKind === 'source' && r.advisoryId === null)).toBe(true);
    expect(feed.definitions).toBe(1);
    // "cvss": {"nvd": " CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:H/A:L [7.6 HIGH]"}, "public_date": "2022-04-13 16:15:00 UTC".
    expect(feed.cves).toEqual([
      {
        id: 'CVE-2015-20107',
        severity: 'low',
        cvssScore: 7.6,
        cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:H/A:L',
        publishedAt: new Date('2022-04-13T16:15:00Z'),
        description: expect.stringMatching(/^In Python \(aka CPython\) up to 3\.10\.8, the mailcap module/),
      },
    ]);
  });

  it('when a package is deferred (with a date) or needs triage, then it is affected with no fix', async () => {
    // CVE-2012-0880 xerces-c: focal, jammy and noble "deferred" with note "2024-01-08"; trusty to bionic ignored.
    const deferred = await parseRecord(members.get(MEMBER('CVE-2012-0880'))!);
    expect(rows(deferred)).toEqual([
      ['ubuntu-20.04', 'xerces-c', null, 'low'],
      ['ubuntu-22.04', 'xerces-c', null, 'low'],
      ['ubuntu-24.04', 'xerces-c', null, 'low'],
    ]);
    // CVE-2008-4392 djbdns: jammy and noble "needs-triage", bionic and focal DNE. Priority medium; no cvss at all.
    const triage = await parseRecord(members.get(MEMBER('CVE-2008-4392'))!);
    expect(rows(triage)).toEqual([
      ['ubuntu-22.04', 'djbdns', null, 'medium'],
      ['ubuntu-24.04', 'djbdns', null, 'medium'],
    ]);
    expect(triage.cves[0]).toMatchObject({ id: 'CVE-2008-4392', severity: 'medium', cvssScore: null, cvssVector: null });
  });

  it('when a package has its own priority, then its rows take it over the record\'s', async () => {
    // CVE-2014-4607, priority "medium"; grub2 carries "priority": "low" in every release.
    // Released entries: krfb and lzo2 in trusty, xenial, bionic, focal, jammy and noble; grub2 in focal, jammy, noble;
    // grub2-signed and grub2-unsigned in focal only (elsewhere not-affected or ignored). 17 rows.
    const feed = await parseRecord(members.get(MEMBER('CVE-2014-4607'))!);
    expect(feed.affected).toHaveLength(17);
    expect(rows(feed).filter((r) => r[0] === 'ubuntu-22.04')).toEqual([
      ['ubuntu-22.04', 'grub2', '2.04-1ubuntu37', 'low'],
      ['ubuntu-22.04', 'krfb', '4:4.13.97-0ubuntu2', 'medium'],
      ['ubuntu-22.04', 'lzo2', '2.06-1.2ubuntu2', 'medium'],
    ]);
    expect(rows(feed).filter((r) => r[0] === 'ubuntu-14.04')).toEqual([
      ['ubuntu-14.04', 'krfb', '4:4.13.0-0ubuntu1.1', 'medium'],
      ['ubuntu-14.04', 'lzo2', '2.06-1.2ubuntu1.1', 'medium'],
    ]);
  });

  it('when a package is pending, then the coming version in its note is not yet a fix', async () => {
    // An excerpt of the real CVE-2021-3530 (member 2021/CVE-2021-3530.json), jammy only:
    // gdb "pending" with note "12.1-0ubuntu1~22.04", libiberty "needed", binutils "not-affected".
    const excerpt = {
      candidate: 'CVE-2021-3530',
      priority: 'low',
      public_date: '2021-06-02 15:15:00 UTC',
      packages: {
        jammy: {
          binutils: { name: 'binutils', status: 'not-affected', note: '2.38-4ubuntu2.2' },
          gdb: { name: 'gdb', status: 'pending', note: '12.1-0ubuntu1~22.04' },
          libiberty: { name: 'libiberty', status: 'needed' },
        },
      },
    };
    const feed = await parseRecord(JSON.stringify(excerpt));
    expect(rows(feed)).toEqual([
      ['ubuntu-22.04', 'gdb', null, 'low'],
      ['ubuntu-22.04', 'libiberty', null, 'low'],
    ]);
  });

  it('when a released note carries more than the version, then only the version is kept', () => {
    // Real notes: jammy rustc in CVE-2022-23639; precise in CVE-2016-4021 (two versions listed);
    // jammy firefox in CVE-2022-23639 (an epoch, the usual plain case).
    expect(versionInNote(' (1.58.1+dfsg1~ubuntu1-0ubuntu1')).toBe('1.58.1+dfsg1~ubuntu1-0ubuntu1');
    expect(versionInNote('0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1')).toBe('0.27-1+deb7u1build0.12.04.1');
    expect(versionInNote('1:1snap1-0ubuntu1')).toBe('1:1snap1-0ubuntu1');
    expect(versionInNote(undefined)).toBeNull();
  });

  it('when a stream holds something else, then it is broken, not a definition', async () => {
    const feed = await parseRecord('{"id": "CVE-2020-1944", "affected": []}');
    expect(feed.broken).toEqual([{ id: '(no candidate)', reason: expect.stringContaining('not an Ubuntu CVE tracker record') }]);
    expect(feed.definitions).toBe(0);
    await expect(parseRecord('{"candidate": "CVE-2020-1944", ')).rejects.toThrow(SyntaxError);
  });

  it('when a stream holds an array of records, then each is read', async () => {
    const one = members.get(MEMBER('CVE-2012-0880'))!.toString('utf8');
    const two = members.get(MEMBER('CVE-2008-4392'))!.toString('utf8');
    const feed = await parseRecord(`[${one},${two}]`);
    expect(feed.definitions).toBe(2);
    expect(feed.affected).toHaveLength(5);
  });
});
