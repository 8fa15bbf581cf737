import { getHeapStatistics } from 'node:v8';
import { type CheckFunction, knownOptions, outcome } from '../core/index.js';
import { bytes, validBytes, validRatio } from './thresholds.js';

/** Options of `memoryCheck()`. */
export interface MemoryCheckOptions {
  /**
   * Fail when the heap in use exceeds this share of V8's heap limit (`heap_size_limit`), from 0 to 1.
   * @default undefined (no limit)
   */
  maxHeapUsedRatio?: number;
  /**
   * Fail when the heap in use exceeds this many bytes.
   * @default undefined (no limit)
   */
  maxHeapUsedBytes?: number;
  /**
   * Fail when the process's resident set exceeds this many bytes.
   * @default undefined (no limit)
   */
  maxRssBytes?: number;
}

/**
 * Checks this process's memory: heap in use against V8's `heap_size_limit` (not `heapTotal`, which grows
 * and shrinks with the heap and gives false alarms), and the resident set; the figures in the details.
 * @throws {TypeError} for a wrong option
 */
export function memoryCheck(options: MemoryCheckOptions = {}): CheckFunction {
  knownOptions(options, ['maxHeapUsedRatio', 'maxHeapUsedBytes', 'maxRssBytes'], 'memoryCheck()');
  const maxRatio = validRatio(options.maxHeapUsedRatio, 'memoryCheck()', 'maxHeapUsedRatio');
  const maxHeap = validBytes(options.maxHeapUsedBytes, 'memoryCheck()', 'maxHeapUsedBytes');
  const maxRss = validBytes(options.maxRssBytes, 'memoryCheck()', 'maxRssBytes');
  return () => {
    const { used_heap_size: heapUsed, heap_size_limit: heapLimit } = getHeapStatistics();
    const rss = process.memoryUsage.rss();
    const ratio = heapUsed / heapLimit;
    const details = { observedValue: Number(ratio.toFixed(4)), observedUnit: 'ratio', heapUsed, heapLimit, rss };
    const summary = `heap ${bytes(heapUsed)} of ${bytes(heapLimit)} (${(ratio * 100).toFixed(1)}%), rss ${bytes(rss)}`;
    if (maxRatio !== undefined && ratio > maxRatio)
      return outcome('ERROR', `${summary}: heap above ${maxRatio * 100}%`, details);
    if (maxHeap !== undefined && heapUsed > maxHeap)
      return outcome('ERROR', `${summary}: heap above ${bytes(maxHeap)}`, details);
    if (maxRss !== undefined && rss > maxRss)
      return outcome('ERROR', `${summary}: rss above ${bytes(maxRss)}`, details);
    return outcome('OK', summary, details);
  };
}
