/**
 * Line-oriented bulk comparison: each input line is `A<TAB>B`, each output
 * line is `-1`, `0`, `1` or `error: <reason>`, in input order. Meant for the
 * CLI, so that whole files of pairs go through one process.
 *
 * Built for throughput rather than with readline: chunks are decoded with a
 * StringDecoder (multi-byte UTF-8 split across chunks is handled), lines are
 * found with indexOf, results are collected into one string and written in
 * large pieces, waiting for 'drain' when the output asks for backpressure.
 */
import { StringDecoder } from 'node:string_decoder';
import { compareDebVersions } from './dpkg';
import { VersionSyntaxError } from './errors';
import type { PackageType } from './index';
import { compareEvr, rpmvercmp, type Cmp } from './rpm';

/** 'rpmvercmp' compares bare version strings, as the plain rpm vectors do. */
export type BatchMode = PackageType | 'rpmvercmp';

export interface BatchResult {
  /** Output lines written (= input lines read). */
  lines: number;
  /** How many of them were `error: …` lines. */
  errors: number;
}

const COMPARATORS: Record<BatchMode, (a: string, b: string) => Cmp> = {
  rpm: compareEvr,
  deb: compareDebVersions,
  rpmvercmp,
};

const RESULTS = ['-1\n', '0\n', '1\n'];
const NO_TAB = 'error: expected two versions separated by a tab\n';
const FLUSH_AT = 64 * 1024;
const TAB = 0x09;
const CR = 0x0d;

function isDestroyed(output: NodeJS.WritableStream): boolean {
  return (output as { destroyed?: boolean }).destroyed === true;
}

function drained(output: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    // A destroyed stream never emits 'drain' again (and may have closed already).
    if (isDestroyed(output)) {
      reject(new Error('output closed before all results were written'));
      return;
    }
    const done = (err?: Error): void => {
      output.off('drain', onDrain);
      output.off('error', onError);
      output.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(new Error('output closed before all results were written'));
    output.on('drain', onDrain);
    output.on('error', onError);
    output.on('close', onClose);
  });
}

interface Counts {
  lines: number;
  errors: number;
}

/** The result line for text[start, end), one input line without its '\n'. */
function answer(compare: (a: string, b: string) => Cmp, text: string, start: number, end: number, n: Counts): string {
  n.lines++;
  if (end > start && text.charCodeAt(end - 1) === CR) end--;
  const tab = text.indexOf('\t', start);
  if (tab < 0 || tab >= end || indexOfCode(text, TAB, tab + 1, end) >= 0) {
    n.errors++;
    return NO_TAB;
  }
  try {
    return RESULTS[compare(text.slice(start, tab), text.slice(tab + 1, end)) + 1];
  } catch (err) {
    if (!(err instanceof VersionSyntaxError)) throw err;
    n.errors++;
    return `error: ${err.message}\n`;
  }
}

/**
 * Compare every `A<TAB>B` line of `input`, writing one result line per input
 * line to `output` (which is not ended, so stdout can be passed). CRLF line
 * ends and a last line without a newline are accepted; only the empty
 * remainder after a final newline is not a line. A blank line in the middle
 * is an error line, not skipped, so output line N always answers input line N.
 * Rejects if the input or the output fails.
 */
export async function compareBatch(
  type: BatchMode,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<BatchResult> {
  const compare = Object.hasOwn(COMPARATORS, type) ? COMPARATORS[type] : undefined;
  if (!compare) throw new TypeError(`unknown comparison type: ${String(type)}`);
  const decoder = new StringDecoder('utf8');
  const n: Counts = { lines: 0, errors: 0 };
  let out = '';

  // An output error may arrive while we are not waiting for 'drain'; keep it
  // and fail at the next flush rather than leave it unhandled.
  let failure: Error | undefined;
  const onError = (err: Error): void => {
    failure ??= err;
  };
  const flush = async (): Promise<void> => {
    if (failure) throw failure;
    if (out.length === 0) return;
    const ok = output.write(out);
    out = '';
    // Report the stream's own error rather than "closed" when there is one.
    if (!ok) await drained(output).catch((err: Error) => Promise.reject(failure ?? err));
  };

  output.on('error', onError);
  try {
    let rest = '';
    for await (const chunk of input) {
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      let start = 0;
      // `rest` holds no newline, so there is no need to scan it again.
      let nl = text.indexOf('\n', rest.length);
      while (nl >= 0) {
        out += answer(compare, text, start, nl, n);
        start = nl + 1;
        // Flushing inside the chunk bounds memory even for one huge chunk.
        if (out.length >= FLUSH_AT) await flush();
        nl = text.indexOf('\n', start);
      }
      rest = start === 0 ? text : text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) out += answer(compare, rest, 0, rest.length, n);
    await flush();
  } finally {
    output.off('error', onError);
  }
  return { lines: n.lines, errors: n.errors };
}

// indexOf bounded to [from, end), so a tab on a later line is never scanned for.
function indexOfCode(text: string, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === code) return i;
  return -1;
}
