import { statfs } from 'node:fs/promises';
import { type CheckFunction, knownOptions, outcome } from '../core/index.js';
import { argumentError } from './probe.js';
import { bytes, validBytes, validRatio } from './thresholds.js';

/** Options of `diskCheck()`. */
export interface DiskCheckOptions {
  /**
   * A path on the file system to watch.
   * @default '/'
   */
  path?: string;
  /**
   * Fail when fewer bytes than this are free (for unprivileged users).
   * @default undefined (no limit)
   */
  minFreeBytes?: number;
  /**
   * Fail when more than this share of the file system is used, from 0 to 1.
   * @default undefined (no limit)
   */
  maxUsedRatio?: number;
}

/**
 * Checks free disk space with `fs.statfs`; the used ratio and free bytes in the details.
 * @throws {TypeError} for a wrong option
 */
export function diskCheck(options: DiskCheckOptions = {}): CheckFunction {
  knownOptions(options, ['path', 'minFreeBytes', 'maxUsedRatio'], 'diskCheck()');
  const { path = '/' } = options;
  if (typeof path !== 'string' || path === '') throw argumentError('diskCheck()', 'path', 'a path', path);
  const minFree = validBytes(options.minFreeBytes, 'diskCheck()', 'minFreeBytes');
  const maxUsed = validRatio(options.maxUsedRatio, 'diskCheck()', 'maxUsedRatio');
  return async () => {
    const { blocks, bfree, bavail, bsize } = await statfs(path);
    const free = bavail * bsize;
    const usedRatio = blocks === 0 ? 0 : (blocks - bfree) / blocks;
    const details = { observedValue: Number(usedRatio.toFixed(4)), observedUnit: 'ratio', freeBytes: free, path };
    const summary = `${bytes(free)} free on ${path}, ${(usedRatio * 100).toFixed(1)}% used`;
    if (minFree !== undefined && free < minFree)
      return outcome('ERROR', `${summary}: below ${bytes(minFree)}`, details);
    if (maxUsed !== undefined && usedRatio > maxUsed)
      return outcome('ERROR', `${summary}: above ${maxUsed * 100}%`, details);
    return outcome('OK', summary, details);
  };
}
