import { statSync } from 'node:fs';

/**
 * Whether the disable file exists. Looked up on every call, so `touch` and `rm` take effect at once;
 * follows symlinks. One `stat` and no exception built when the file is absent.
 */
export function inMaintenance(disableFile: string): boolean {
  try {
    return statSync(disableFile, { throwIfNoEntry: false }) !== undefined;
  } catch {
    // An unreadable path (ENOTDIR, EACCES) cannot be a disable file someone touched.
    return false;
  }
}
