/**
 * Fetches an advisory source to a local file for the importer: an http(s) URL
 * with a conditional GET (ETag / Last-Modified), or a local path as it is; in
 * both cases a SHA-256 of the bytes lets an unchanged feed be skipped even
 * when the server ignores conditional requests. Compressed feeds (gz, bz2, xz)
 * stay compressed on disk; the reader decompresses them as it streams.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';

export interface FetchPrevious {
  checksum: string | null;
  etag: string | null;
  lastModified: string | null;
}

export type FetchResult =
  | { changed: false; reason: 'not-modified' | 'same-checksum' }
  | { changed: true; file: string; checksum: string; etag: string | null; lastModified: string | null; cleanup: () => Promise<void> };

export interface FetchOptions {
  timeoutMs: number;
  http?: AxiosInstance;
  onProgress?: (done: number, total: number | null) => void;
  /** Fetch even when the feed looks unchanged. */
  force?: boolean;
}

export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

export async function fetchFeed(location: string, previous: FetchPrevious, options: FetchOptions): Promise<FetchResult> {
  return isUrl(location) ? fetchUrl(location, previous, options) : checkFile(location, previous, options);
}

async function checkFile(location: string, previous: FetchPrevious, options: FetchOptions): Promise<FetchResult> {
  await fs.promises.access(location, fs.constants.R_OK).catch(() => {
    throw new Error(`cannot read ${location}: no such file or directory, or not readable`);
  });
  const stat = await fs.promises.stat(location);
  // A directory of records is read whole every time; a file is checked by its bytes.
  const checksum = stat.isDirectory() ? `dir:${stat.mtimeMs}` : await sha256File(location);
  if (!options.force && previous.checksum === checksum) return { changed: false, reason: 'same-checksum' };
  return { changed: true, file: location, checksum, etag: null, lastModified: null, cleanup: async () => undefined };
}

async function fetchUrl(url: string, previous: FetchPrevious, options: FetchOptions): Promise<FetchResult> {
  const http = options.http ?? axios.create();
  const headers: Record<string, string> = {};
  if (!options.force && previous.etag) headers['If-None-Match'] = previous.etag;
  if (!options.force && previous.lastModified) headers['If-Modified-Since'] = previous.lastModified;
  const response = await http.get(url, {
    responseType: 'stream',
    headers,
    timeout: options.timeoutMs,
    maxRedirects: 5,
    // No transparent decompression: the reader recognises gzip by its bytes, and keeping them makes the checksum stable.
    decompress: false,
    validateStatus: (status) => status === 200 || status === 304,
  });
  if (response.status === 304) {
    response.data.destroy?.();
    return { changed: false, reason: 'not-modified' };
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'patchscope-feed-'));
  const cleanup = () => fs.promises.rm(dir, { recursive: true, force: true });
  const name = path.basename(new URL(url).pathname) || 'feed';
  const file = path.join(dir, name.replace(/[^\w.:-]/g, '_'));
  const total = Number(response.headers['content-length']) || null;
  const hash = crypto.createHash('sha256');
  let done = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      options.onProgress?.(done, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response.data, count, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await cleanup();
    throw new Error(`fetching ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  const checksum = hash.digest('hex');
  const etag = (response.headers.etag as string | undefined) ?? null;
  const lastModified = (response.headers['last-modified'] as string | undefined) ?? null;
  if (!options.force && previous.checksum === checksum) {
    await cleanup();
    return { changed: false, reason: 'same-checksum' };
  }
  return { changed: true, file, checksum, etag, lastModified, cleanup };
}

async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
