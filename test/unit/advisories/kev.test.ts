import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { kevParser } from '../../../src/advisories/parsers/kev';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const FEED = ['advisories', 'kev.json'];

async function parse(input: Readable) {
  const collected = collectingSink();
  await kevParser.parse(input, collected.sink);
  return collected;
}

describe('CISA KEV catalogue', () => {
  it('when the real catalogue is read, then every entry is one KEV mark, as many as its "count" field says', async () => {
    // The catalogue states its own size: "count": 1404 (catalogVersion 2025.08.25).
    const declared = (JSON.parse(fs.readFileSync(sharedDataPath(...FEED), 'utf8')) as { count: number }).count;
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    expect(feed.kev).toHaveLength(declared);
    expect(feed.definitions).toBe(declared);
    expect(feed.broken).toEqual([]);
    expect(feed.affected).toEqual([]);
    // Newest first: CVE-2025-48384 (Git) added 2025-08-25; the last, CVE-2020-29583, added 2021-11-03 (the first day of KEV).
    expect(feed.kev[0]).toEqual({ cveId: 'CVE-2025-48384', addedAt: new Date('2025-08-25T00:00:00Z') });
    expect(feed.kev[feed.kev.length - 1]).toEqual({ cveId: 'CVE-2020-29583', addedAt: new Date('2021-11-03T00:00:00Z') });
  });

  it('when the catalogue arrives in small chunks, then the marks are the same', async () => {
    const whole = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    const chunked = await parse(streamInChunks(fs.readFileSync(sharedDataPath(...FEED)), 333));
    expect(chunked.kev).toEqual(whole.kev);
  });

  it('when an entry has no CVE id, then it is broken and the others still count', async () => {
    const text = JSON.stringify({
      catalogVersion: 'test',
      count: 2,
      vulnerabilities: [{ cveID: 'CVE-2021-44228', dateAdded: '2021-12-10' }, { vendorProject: 'none' }],
    });
    const feed = await parse(streamInChunks(text, 10));
    expect(feed.kev).toEqual([{ cveId: 'CVE-2021-44228', addedAt: new Date('2021-12-10T00:00:00Z') }]);
    expect(feed.broken).toEqual([{ id: 'vulnerabilities[1]', reason: 'KEV entry without a CVE id' }]);
  });

  it('when the catalogue is cut short, then parsing rejects', async () => {
    const text = fs.readFileSync(sharedDataPath(...FEED), 'utf8').slice(0, 5000);
    await expect(parse(streamInChunks(text, 1000))).rejects.toThrow();
  });
});
