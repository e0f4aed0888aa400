import { Readable } from 'node:stream';
import type { AffectedEntry, CveEntry, FeedSink, KevEntry } from '../../src/advisories/feed';

export interface CollectingSink {
  sink: FeedSink;
  affected: AffectedEntry[];
  cves: CveEntry[];
  kev: KevEntry[];
  /** How many times the parser said it read a definition (record, source-package entry). */
  definitions: number;
  broken: { id: string; reason: string }[];
}

/**
 * A FeedSink that keeps everything in memory, for parser tests. Read the
 * counters from the returned object (not a destructured copy): `definitions`
 * grows as the parser runs.
 */
export function collectingSink(): CollectingSink {
  const collected: CollectingSink = {
    sink: {
      affected: (entry) => void collected.affected.push(entry),
      cve: (entry) => void collected.cves.push(entry),
      kev: (entry) => void collected.kev.push(entry),
      definition: () => void (collected.definitions += 1),
      broken: (id, reason) => void collected.broken.push({ id, reason }),
      flush: () => Promise.resolve(),
    },
    affected: [],
    cves: [],
    kev: [],
    definitions: 0,
    broken: [],
  };
  return collected;
}

/**
 * `data` as a byte stream of `size`-byte chunks, the way a file or an HTTP
 * body arrives: chunk boundaries fall inside tags, entities and multi-byte
 * UTF-8 characters.
 */
export function streamInChunks(data: string | Buffer, size: number): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return Readable.from(chunks); // object mode: each chunk arrives as cut, never merged
}
