import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths';

/**
 * The shared public test data (version vectors, advisory feeds, package lists)
 * sits beside the repository. Tests read it and never edit it; when it is
 * missing they fail rather than skip, because it is their evidence.
 */
export const sharedDataDir = path.resolve(projectRoot, '..', 'shared', 'data');

export function sharedDataPath(...parts: string[]): string {
  const file = path.join(sharedDataDir, ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`shared test data not found: ${file} (the repository must sit beside shared/)`);
  }
  return file;
}
