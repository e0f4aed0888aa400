/**
 * Streaming JSON for the feeds too large to parse whole (the Debian tracker,
 * the KEV catalogue), on stream-json, and the small-record reader the
 * one-record-per-file feeds (OSV, the Ubuntu tracker) use.
 *
 * stream-json 1.x on purpose: its later majors are ES modules only, which
 * jest's CommonJS runtime cannot load.
 */
import type { Duplex, Readable } from 'node:stream';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { streamObject } from 'stream-json/streamers/StreamObject';

// Values arrive packed: streamed string chunks are not needed, and skipping them doubles the speed.
const PARSER_OPTIONS = { streamValues: false } as const;

/** Feeds `input` into `stage`, passing on an error of the input so that a reader of the stage sees it. */
function pipeInto(input: Readable, stage: Duplex): Duplex {
  input.once('error', (error) => stage.destroy(error));
  return input.pipe(stage);
}

/** The properties of the top-level object of `input`, one `{key, value}` at a time. */
export function objectEntries(input: Readable): AsyncIterable<{ key: string; value: unknown }> {
  return pipeInto(input, chain([parser(PARSER_OPTIONS), streamObject()]));
}

/** The elements of the array at `path` (e.g. "vulnerabilities") of the top-level object of `input`. */
export function arrayItemsAt(input: Readable, path: string): AsyncIterable<{ key: number; value: unknown }> {
  return pipeInto(input, chain([parser(PARSER_OPTIONS), pick({ filter: path, once: true }), streamArray()]));
}

/** One feed record may not be larger than this; a bigger one is refused rather than held in memory. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/**
 * The records of a stream holding one small JSON document: an object (one
 * record) or an array of objects. Such feeds ship one record per file, so the
 * document is read whole, up to `maxBytes`. Rejects when it is larger or is
 * not JSON.
 */
export async function readJsonRecords(input: Readable, maxBytes = MAX_RECORD_BYTES): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    length += buffer.length;
    if (length > maxBytes) {
      input.destroy();
      throw new Error(`record larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
    }
    chunks.push(buffer);
  }
  const document: unknown = JSON.parse(Buffer.concat(chunks, length).toString('utf8').replace(/^\uFEFF/, ''));
  return Array.isArray(document) ? document : [document];
}
