/**
 * CISA's Known Exploited Vulnerabilities catalogue
 * (known_exploited_vulnerabilities.json): `{ "catalogVersion": …, "count": …,
 * "vulnerabilities": [ { "cveID": "CVE-…", "dateAdded": "2025-08-25", … } ] }`.
 * Each entry marks a CVE as exploited; it affects no package by itself.
 */
import type { Readable } from 'node:stream';
import { type FeedParser, type FeedSink, isCveId } from '../feed';
import { arrayItemsAt } from './json-stream';
import { asObject, asString, parseDate } from './values';

export const kevParser: FeedParser = {
  format: 'kev',
  async parse(input: Readable, sink: FeedSink): Promise<void> {
    for await (const { key, value } of arrayItemsAt(input, 'vulnerabilities')) {
      const entry = asObject(value);
      const cveId = asString(entry?.cveID)?.trim();
      if (!cveId || !isCveId(cveId)) {
        sink.broken(cveId ?? `vulnerabilities[${key}]`, 'KEV entry without a CVE id');
        continue;
      }
      sink.kev({ cveId, addedAt: parseDate(entry?.dateAdded) });
      sink.definition();
      await sink.flush();
    }
  },
};
