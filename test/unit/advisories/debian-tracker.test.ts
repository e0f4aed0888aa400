import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { debianTrackerParser } from '../../../src/advisories/parsers/debian-tracker';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const FEED = ['advisories', 'debian', 'debian.json'];

async function parse(input: Readable) {
  const collected = collectingSink();
  await debianTrackerParser.parse(input, collected.sink);
  return collected;
}

const rowsOf = (feed: Awaited<ReturnType<typeof parse>>, cveId: string) =>
  feed.affected.filter((r) => r.cveId === cveId).map((r) => [r.osGroup, r.fixedVersion, r.severity]);

describe('Debian security tracker JSON', () => {
  it('when the shared excerpt is read, then each of its 6 source packages is one definition and sid is never a group', async () => {
    // 16 rows: CVE-2008-7220, CVE-2013-1444 and CVE-2005-3111 in stretch, jessie and buster (3 each);
    // CVE-2022-0456 in bookworm, bullseye, buster and stretch (4); CVE-2025-53603 in bookworm, bullseye and trixie (3);
    // CVE-2007-2383 has fixed_version "0" everywhere (none); CVE-2022-0358 has "releases": [] (none).
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    expect(feed.definitions).toBe(6);
    expect(feed.broken).toEqual([]);
    expect(feed.affected).toHaveLength(16);
    expect(feed.affected.every((r) => r.nameKind === 'source' && r.advisoryId === null && r.moduleStream === null)).toBe(true);
    expect(new Set(feed.affected.map((r) => r.osGroup))).toEqual(
      new Set(['debian-8', 'debian-9', 'debian-10', 'debian-11', 'debian-12', 'debian-13']),
    );
    expect(feed.cves.map((c) => c.id)).toEqual([
      'CVE-2008-7220', 'CVE-2007-2383', 'CVE-2013-1444', 'CVE-2005-3111', 'CVE-2022-0456', 'CVE-2025-53603', 'CVE-2022-0358',
    ]);
  });

  it('when a release has fixed_version "0", then it was never affected and gets no row', async () => {
    // prototypejs CVE-2007-2383: stretch, jessie, buster and sid are all "resolved" with fixed_version "0".
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    expect(rowsOf(feed, 'CVE-2007-2383')).toEqual([]);
    // Its CVE row still exists, with the urgency "unimportant" (→ low) and the tracker's description.
    expect(feed.cves.find((c) => c.id === 'CVE-2007-2383')).toMatchObject({ severity: 'low', publishedAt: null });
    expect(feed.cves.find((c) => c.id === 'CVE-2007-2383')?.description).toMatch(/^The Prototype \(prototypejs\) framework before 1\.5\.1 RC3/);
  });

  it('when a release is open, then it is affected with no fix; resolved releases are fixed in their version', async () => {
    // chromium CVE-2022-0456: bookworm resolved 98.0.4758.80-1, bullseye resolved 98.0.4758.80-1~deb11u1,
    // buster and stretch "open" without fixed_version (urgency "end-of-life"), sid skipped.
    // "not yet assigned" and "end-of-life" are no severity: unknown.
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    expect(rowsOf(feed, 'CVE-2022-0456')).toEqual([
      ['debian-12', '98.0.4758.80-1', 'unknown'],
      ['debian-11', '98.0.4758.80-1~deb11u1', 'unknown'],
      ['debian-10', null, 'unknown'],
      ['debian-9', null, 'unknown'],
    ]);
    expect(feed.affected.find((r) => r.cveId === 'CVE-2022-0456')).toMatchObject({ packageName: 'chromium', nameKind: 'source' });
  });

  it('when urgencies carry the tracker\'s "**" guess marks, then they map like the plain words', async () => {
    // prototypejs CVE-2008-7220 "high**", txt2man CVE-2013-1444 "low**", backupninja CVE-2005-3111 "medium".
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    expect(rowsOf(feed, 'CVE-2008-7220')).toEqual([
      ['debian-9', '1.6.0.2-1', 'high'],
      ['debian-8', '1.6.0.2-1', 'high'],
      ['debian-10', '1.6.0.2-1', 'high'],
    ]);
    expect(rowsOf(feed, 'CVE-2013-1444').map((r) => r[2])).toEqual(['low', 'low', 'low']);
    expect(rowsOf(feed, 'CVE-2005-3111')).toEqual([
      ['debian-9', '0.8-2', 'medium'],
      ['debian-8', '0.8-2', 'medium'],
      ['debian-10', '0.8-2', 'medium'],
    ]);
    // A CVE's own severity is the gravest urgency among its releases.
    expect(feed.cves.find((c) => c.id === 'CVE-2008-7220')?.severity).toBe('high');
    expect(feed.cves.find((c) => c.id === 'CVE-2022-0456')?.severity).toBe('unknown');
  });

  it('when the feed arrives in small chunks, then the result is the same', async () => {
    const whole = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    const chunked = await parse(streamInChunks(fs.readFileSync(sharedDataPath(...FEED)), 7));
    expect(chunked.affected).toEqual(whole.affected);
    expect(chunked.cves).toEqual(whole.cves);
  });

  it('when an entry is keyed by a TEMP id, then the id is kept as the CVE id; other keys are broken', async () => {
    // The real tracker keys issues that have no CVE yet as TEMP-<bug number>-<hash>; this entry is made up in that shape.
    const feed = await parse(
      streamInChunks(
        JSON.stringify({
          'fake-pkg': {
            'TEMP-0000000-2A2F73': { description: 'not yet assigned', releases: { bookworm: { status: 'open', urgency: 'low' } } },
            'NOT-AN-ID': { releases: {} },
          },
        }),
        16,
      ),
    );
    expect(feed.affected).toEqual([
      {
        osGroup: 'debian-12', packageName: 'fake-pkg', nameKind: 'source', fixedVersion: null,
        cveId: 'TEMP-0000000-2A2F73', advisoryId: null, severity: 'low', moduleStream: null,
      },
    ]);
    expect(feed.broken).toEqual([{ id: 'fake-pkg NOT-AN-ID', reason: 'not a CVE or TEMP entry' }]);
    expect(feed.definitions).toBe(1);
  });

  it('when the JSON is cut short, then parsing rejects', async () => {
    const text = fs.readFileSync(sharedDataPath(...FEED), 'utf8');
    await expect(parse(streamInChunks(text.slice(0, 2000), 512))).rejects.toThrow();
  });
});
