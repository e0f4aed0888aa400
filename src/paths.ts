import fs from 'node:fs';
import path from 'node:path';

/**
 * The project root: the directory holding our package.json. Found by walking up
 * from this file, so it is the same whether the code runs from `src/` (tests)
 * or from `dist/src/` (the built server).
 */
function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'patchscope') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the patchscope package.json above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(__dirname);
export const configDir = path.join(projectRoot, 'config');
export const templatesDir = path.join(projectRoot, 'templates');
export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version;
