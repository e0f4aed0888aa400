/**
 * Looking at the start of a byte stream before deciding what reads it: the
 * magic bytes of a compression or archive, the first 64 KB of a feed's text.
 */
import { Readable } from 'node:stream';

export interface Peeked {
  /** The first bytes (up to the size asked for; fewer if the stream is shorter). */
  head: Buffer;
  /** The whole stream again, from its first byte. */
  body: Readable;
  /**
   * Reads what is left of the source and drops it. A tar member must be read
   * to its end before the next one comes, even when its reader gave up early.
   */
  drain(): Promise<void>;
  /** Stops reading the source and releases it. */
  close(): Promise<void>;
}

type Chunk = Buffer | Uint8Array | string;

export async function peek(source: AsyncIterable<Chunk>, size: number): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  // `body` and `drain` may both pull; one pull at a time keeps the source's order.
  let last: Promise<unknown> = Promise.resolve();
  let ended = false;
  let failure: { error: unknown } | null = null;
  const pull = (): Promise<IteratorResult<Chunk>> => {
    const next = last.then(() => {
      if (failure) throw failure.error; // a failed source fails every later reader too
      return ended ? { done: true as const, value: undefined } : iterator.next();
    });
    last = next.then(
      (r) => {
        if (r.done) ended = true;
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    return next;
  };

  const chunks: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const result = await pull();
    if (result.done) break;
    const chunk = toBuffer(result.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const start = Buffer.concat(chunks, length);

  async function* replay(): AsyncGenerator<Buffer> {
    if (start.length > 0) yield start;
    for (;;) {
      const result = await pull();
      if (result.done) return;
      yield toBuffer(result.value);
    }
  }

  return {
    head: start.subarray(0, size),
    body: Readable.from(replay(), { objectMode: false }),
    async drain() {
      for (;;) {
        const result = await pull();
        if (result.done) return;
      }
    },
    async close() {
      ended = true;
      await iterator.return?.();
    },
  };
}

function toBuffer(chunk: Chunk): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}
