/**
 * The members of tar and zip archives, one at a time, each as a stream: an
 * archive of feed files (OSV, the Ubuntu tracker) is never unpacked to disk
 * or held in memory.
 */
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import * as yauzl from 'yauzl';

export interface TarMember {
  name: string;
  body: AsyncIterable<Buffer>;
  /** Lets the member go by unread. */
  skip(): void;
}

/**
 * The regular files of a tar stream. Each member's body must be read to its
 * end (or drained) before the next member comes.
 */
export async function* tarMembers(input: Readable): AsyncGenerator<TarMember> {
  const extract = tar.extract();
  input.once('error', (error) => extract.destroy(error));
  // tar-stream's streams are streamx streams, which Node's pipe() writes into like its own.
  input.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
      // A streamx Readable, async-iterable over its Buffers as a Node stream is.
      yield { name: entry.header.name, body: entry as unknown as AsyncIterable<Buffer>, skip: () => entry.resume() };
    } else {
      entry.resume();
    }
  }
}

export interface ZipMember {
  name: string;
  /** The member's size in the archive, to report progress through the file. */
  compressedSize: number;
  /** The member's decompressed bytes; an unopened member costs nothing. */
  open(): Promise<Readable>;
}

/**
 * The files of a zip archive. A zip's directory is at its end, so it is read
 * from the file itself (not a stream), one entry at a time.
 */
export async function* zipMembers(file: string): AsyncGenerator<ZipMember> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue; // a directory
      yield { name: entry.fileName, compressedSize: entry.compressedSize, open: () => zip.openReadStreamPromise(entry) };
    }
  } finally {
    zip.close();
  }
}
