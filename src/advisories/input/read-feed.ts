/**
 * Reads an advisory feed from disk into a sink (DESIGN.md §8): one file —
 * plain, gzip, bzip2 or xz compressed — a tar or zip archive of feed files,
 * or a directory of any of these, walked in sorted order. Every document's
 * format is detected from its first 64 KB unless the caller names it.
 *
 * Everything streams: an archive's members are read one at a time, and only
 * the first 64 KB of each is held for detection. A member that cannot be read
 * (unknown format, malformed JSON) is reported to the sink as broken and the
 * rest is still imported; a location that is one unreadable document fails.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { FeedFormat, FeedSink } from '../feed';
import { parserFor } from '../parsers';
import { tarMembers, zipMembers } from './archives';
import { compressionOf, decompress, isTar, isZip, MAGIC_BYTES } from './decompress';
import { DETECT_HEAD_BYTES, detectFormat } from './detect';
import { peek, type Peeked } from './peek';

export interface ReadFeedOptions {
  /** The format of every document read, instead of detecting it. */
  format?: FeedFormat;
  /** Bytes read from disk so far (compressed, as stored) out of the location's total size. */
  onProgress?: (done: number, total: number | null) => void;
  signal?: AbortSignal;
}

export interface ReadFeedResult {
  /** The formats met, in the order they were first met. */
  formats: FeedFormat[];
  /** How many feed documents were handed to a parser. */
  files: number;
}

/** Archive members and directory files read as feeds: by name, since an archive also holds READMEs and the like. */
const FEED_FILE = /\.(?:json|xml)(?:\.(?:gz|bz2|xz))?$/i;
const TAR_FILE = /\.(?:tar(?:\.(?:gz|bz2|xz))?|tgz|tbz2?|txz)$/i;
const ZIP_FILE = /\.zip$/i;
const READ_CHUNK_BYTES = 1024 * 1024;

export async function readFeed(location: string, sink: FeedSink, options: ReadFeedOptions = {}): Promise<ReadFeedResult> {
  const stats = await fs.stat(location);
  if (stats.isDirectory()) {
    const files = await listFeedFiles(location);
    const sizes = await Promise.all(files.map(async (file) => (await fs.stat(file)).size));
    const reader = new FeedReader(sink, options, sizes.reduce((a, b) => a + b, 0));
    for (const file of files) {
      await reader.readFile(file, path.relative(location, file).split(path.sep).join('/'), true);
    }
    return reader.result();
  }
  const reader = new FeedReader(sink, options, stats.size);
  await reader.readFile(location, path.basename(location), false);
  return reader.result();
}

class FeedReader {
  private readonly formats = new Set<FeedFormat>();
  private files = 0;
  private done = 0;

  constructor(
    private readonly sink: FeedSink,
    private readonly options: ReadFeedOptions,
    private readonly total: number,
  ) {}

  result(): ReadFeedResult {
    return { formats: [...this.formats], files: this.files };
  }

  /** One file on disk; `member` when it is one of a directory's files rather than the whole location. */
  async readFile(file: string, name: string, member: boolean): Promise<void> {
    this.options.signal?.throwIfAborted();
    const doneBefore = this.done;
    const size = (await fs.stat(file)).size;
    if (await startsLikeZip(file)) {
      await this.readZip(file, member ? `${name}/` : '');
    } else if (member) {
      await this.readMember(name, this.readBytes(file), 'close');
    } else {
      const peeked = await peek(this.readBytes(file), DETECT_HEAD_BYTES);
      try {
        await this.readPeeked(name, peeked, false);
      } finally {
        await peeked.close();
      }
    }
    this.reportProgress(doneBefore + size - this.done);
  }

  /** A file's bytes, counted for progress as they come off the disk. */
  private async *readBytes(file: string): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
      this.options.signal?.throwIfAborted();
      this.reportProgress((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }

  private reportProgress(bytes: number): void {
    if (bytes <= 0) return;
    this.done += bytes;
    this.options.onProgress?.(this.done, this.total);
  }

  /**
   * One document of many (an archive member, a directory's file): its own
   * failure is reported as broken and reading goes on; a failure of what
   * holds it (the archive's stream) still ends the import. What its reader
   * left is drained when the next member comes from the same stream (tar),
   * and closed when it is a stream of its own (a file, a zip entry).
   */
  private async readMember(name: string, source: AsyncIterable<Buffer>, rest: 'drain' | 'close'): Promise<void> {
    this.options.signal?.throwIfAborted();
    const peeked = await peek(source, DETECT_HEAD_BYTES);
    try {
      await this.readPeeked(name, peeked, true);
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      this.sink.broken(name, error instanceof Error ? error.message : String(error));
    }
    await (rest === 'drain' ? peeked.drain() : peeked.close());
  }

  /** Decompresses, unpacks or parses a stream, by what its first bytes say it is. */
  private async readPeeked(name: string, peeked: Peeked, member: boolean): Promise<void> {
    const magic = peeked.head.subarray(0, MAGIC_BYTES);
    const compression = compressionOf(magic);
    if (compression) {
      const inner = await peek(decompress(compression, peeked.body, name), DETECT_HEAD_BYTES);
      try {
        await this.readPeeked(name.replace(/\.(?:gz|bz2|xz)$/i, ''), inner, member);
      } finally {
        await inner.close();
      }
    } else if (isTar(magic)) {
      // Members of an archive that is itself one of many are named inside it: "b/osv.tar/USN-5614-1.json".
      const prefix = member ? `${name}/` : '';
      for await (const entry of tarMembers(peeked.body)) {
        if (FEED_FILE.test(entry.name) || TAR_FILE.test(entry.name)) {
          await this.readMember(prefix + entry.name, entry.body, 'drain');
        } else {
          entry.skip();
        }
      }
    } else if (isZip(magic)) {
      // A zip's directory sits at its end: it can be read from a file, not from a stream.
      throw new Error('a zip archive inside an archive or compressed file cannot be read; unpack it first');
    } else {
      await this.parse(name, peeked, member);
    }
  }

  private async parse(name: string, peeked: Peeked, member: boolean): Promise<void> {
    const format = this.options.format ?? detectFormat(peeked.head.toString('utf8'));
    if (!format) {
      if (member) {
        this.sink.broken(name, 'format not recognised');
        return;
      }
      throw new Error(`the feed format of ${name} is not recognised; name it with --format`);
    }
    this.formats.add(format);
    this.files++;
    await parserFor(format).parse(peeked.body, this.sink);
  }

  private async readZip(file: string, prefix: string): Promise<void> {
    for await (const entry of zipMembers(file)) {
      this.options.signal?.throwIfAborted();
      if (FEED_FILE.test(entry.name) || TAR_FILE.test(entry.name)) {
        await this.readMember(prefix + entry.name, await entry.open(), 'close');
      }
      this.reportProgress(entry.compressedSize);
    }
  }
}

async function startsLikeZip(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return isZip(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * A directory's feed files, depth first in sorted order (byte order, so the
 * same everywhere): names that say JSON, XML or an archive, and names without
 * an extension, whose format is sniffed. Hidden files are left out.
 */
async function listFeedFiles(directory: string): Promise<string[]> {
  const entries = await fs.readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await listFeedFiles(full)));
    } else if ((entry.isFile() || (entry.isSymbolicLink() && (await fs.stat(full)).isFile())) && isFeedFileName(entry.name)) {
      files.push(full);
    }
  }
  return files;
}

function isFeedFileName(name: string): boolean {
  return FEED_FILE.test(name) || TAR_FILE.test(name) || ZIP_FILE.test(name) || !name.includes('.');
}
