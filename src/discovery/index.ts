/**
 * `discoverChecks()`: check modules found and imported by file name. A check lives beside the code it
 * checks and registers itself when imported; discovery imports every such module under a folder, so nobody
 * has to remember the import, and a module that fails to import is a startup error, never a silent gap.
 * @module
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { knownOptions, optionError } from '../core/index.js';

/** Options of `discoverChecks()`. */
export interface DiscoverOptions {
  /**
   * Which file names are check modules. Its `g` and `y` flags are dropped (each name is tested whole, never
   * from the `lastIndex` of an earlier test).
   * @default /^(?:.+\.)?healthchecks\.(?:js|mjs|cjs|ts)$/s (`healthchecks.js`, `db.healthchecks.ts`, …; a name with a line break too)
   */
  pattern?: RegExp;
}

const DEFAULT_PATTERN = /^(?:.+\.)?healthchecks\.(?:js|mjs|cjs|ts)$/s;
// Every module imported so far, by real path: a second call imports nothing twice.
const imported = new Set<string>();

/**
 * Imports every check module under `root` (a path or a `file:` URL), once each, in sorted order, skipping
 * `node_modules` and dot-folders and following no symlink out of the root. Resolves with the files this
 * call imported.
 * @throws {Error} (rejects) naming the file, with the cause, when a module fails to import; when `root` does not exist
 */
export async function discoverChecks(root: string | URL, options: DiscoverOptions = {}): Promise<string[]> {
  knownOptions(options, ['pattern'], 'discoverChecks()');
  const { pattern = DEFAULT_PATTERN } = options;
  if (!(pattern instanceof RegExp)) throw optionError('discoverChecks()', 'pattern', 'a RegExp', pattern);
  // A copy without `g` and `y`: those make `test()` start at the last match's end, and skip files.
  const matches = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const path =
    root instanceof URL || (typeof root === 'string' && root.startsWith('file:')) ? fileURLToPath(root) : root;
  if (typeof path !== 'string' || path === '')
    throw optionError('discoverChecks()', 'root', 'a folder path or file: URL', root);
  let top: string;
  try {
    top = await realpath(path);
    if (!(await stat(top)).isDirectory()) throw new Error('not a folder');
  } catch (cause) {
    throw new Error(`discoverChecks(): cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  const found = [...new Set(await walk(top, top, matches, new Set()))].sort((a, b) =>
    relative(top, a).localeCompare(relative(top, b)),
  );
  const fresh: string[] = [];
  for (const file of found) {
    if (imported.has(file)) continue;
    imported.add(file);
    try {
      await import(pathToFileURL(file).href);
    } catch (cause) {
      imported.delete(file);
      throw new Error(`discoverChecks(): ${file} failed to import: ${reason(file, cause)}`, { cause });
    }
    fresh.push(file);
  }
  return fresh;
}

/** The check modules under `dir`, by real path; symlinks are followed only while they stay inside `top`. */
async function walk(dir: string, top: string, pattern: RegExp, seen: Set<string>): Promise<string[]> {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    let full = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      if (target === undefined || !inside(top, target)) continue;
      full = target;
    }
    const info = await lstat(full);
    if (info.isDirectory()) found.push(...(await walk(full, top, pattern, seen)));
    else if (info.isFile() && pattern.test(entry.name)) found.push(full);
  }
  return found;
}

function inside(top: string, path: string): boolean {
  const rel = relative(top, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Why an import failed, said plainly for the case people meet most: TypeScript without a loader. */
function reason(file: string, cause: unknown): string {
  const { code, message } = (cause ?? {}) as { code?: string; message?: string };
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && file.endsWith('.ts')) {
    return 'Node cannot import .ts files here: run the app under a loader that can (node --import tsx), or discover the built .js files';
  }
  return typeof message === 'string' ? message : String(cause);
}
