/**
 * Compressions and archives told by their magic bytes (never by a file name,
 * which URLs and mirrors get wrong), and the streams that undo them. gzip is
 * Node's zlib; bzip2 and xz go through the system's `bzip2 -dc` and `xz -dc`,
 * which are everywhere feeds are and faster than any JavaScript port.
 */
import { spawn } from 'node:child_process';
import { type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

export type Compression = 'gzip' | 'bzip2' | 'xz';

/** Enough bytes to tell every kind below (tar's "ustar" sits at offset 257). */
export const MAGIC_BYTES = 512;

export function compressionOf(head: Buffer): Compression | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return null;
}

/** A POSIX or GNU tar: "ustar" in the first header block. */
export function isTar(head: Buffer): boolean {
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}

/** A zip: a local file header, or the end record of an empty archive. */
export function isZip(head: Buffer): boolean {
  const magic = head.toString('latin1', 0, 4);
  return magic === 'PK\u0003\u0004' || magic === 'PK\u0005\u0006';
}

/** Feeds `input` into `stage`, passing on an error of the input so that a reader of the stage sees it. */
export function pipeInto<T extends Duplex>(input: Readable, stage: T): T {
  input.once('error', (error) => stage.destroy(error));
  input.pipe(stage);
  return stage;
}

/** The decompressed bytes of `input`; `name` is for error messages. */
export function decompress(compression: Compression, input: Readable, name: string): AsyncIterable<Buffer> {
  if (compression === 'gzip') return pipeInto(input, createGunzip());
  return throughTool(compression, input, name);
}

/** Runs `<tool> -dc` with `input` on its standard input and yields its output; its failure is ours. */
async function* throughTool(tool: 'bzip2' | 'xz', input: Readable, name: string): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  exit.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
  let inputError: NodeJS.ErrnoException | null = null;
  const feeding = pipeline(input, child.stdin).catch((error: NodeJS.ErrnoException) => {
    inputError = error;
  });

  let complete = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    complete = true;
  } finally {
    if (!complete) {
      // The reader stopped (or failed): the child and its input are no longer wanted.
      child.kill();
      input.destroy();
    }
  }

  let result: { code: number | null; signal: NodeJS.Signals | null };
  try {
    result = await exit;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`cannot decompress ${name}: the "${tool}" program is not installed`, { cause: error });
    }
    throw error;
  }
  await feeding;
  // EPIPE only means the child stopped reading; its own exit status says why.
  const fed = inputError as NodeJS.ErrnoException | null;
  if (fed && fed.code !== 'EPIPE') throw fed;
  if (result.code !== 0) {
    const why = stderr.trim() || (result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`);
    throw new Error(`${tool} could not decompress ${name}: ${why}`);
  }
}
