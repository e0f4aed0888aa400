import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors';
import type { ImportSummary } from '../status/annotations';
import { print } from './context';

const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of an import file, or of standard input for "-". */
export function readInput(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValidationError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new ValidationError(`${file} is larger than 64 MiB`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError(`${file} is not UTF-8 text`);
  }
}

/** Writes an export to a file (whole or not at all: written aside, then renamed), or to standard output. */
export function writeOutput(text: string, file: string | undefined): void {
  if (file === undefined || file === '-') {
    process.stdout.write(text);
    return;
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new ValidationError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

export function printSummary(file: string, noun: string, s: ImportSummary): void {
  const source = file === '-' ? 'standard input' : file;
  const counts = `${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.removed} removed`;
  print(`${s.dryRun ? 'dry run, nothing changed: would import' : 'imported'} ${s.entries} ${noun} from ${source} (${s.format}): ${counts}`);
  for (const note of s.notes) print(`note: ${note}`);
}

/** 'YYYY-MM-DD HH:MM' of a stored UTC time, for tables. */
export function shortTime(stored: string): string {
  return stored.slice(0, 16);
}

/** A reason on one table line. */
export function oneLine(text: string | null): string {
  return (text ?? '').replace(/\s+/g, ' ');
}
