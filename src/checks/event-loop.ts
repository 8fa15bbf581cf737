import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type CheckFunction, knownOptions, MAX_TIMER_MS, outcome } from '../core/index.js';
import { argumentError } from './probe.js';
import { validRatio } from './thresholds.js';

/** Options of `eventLoopCheck()`. */
export interface EventLoopCheckOptions {
  /**
   * Fail when the delay at `percentile` exceeds this many ms.
   * @default undefined (report only)
   */
  maxDelay?: number;
  /**
   * Fail when the event loop was busy more than this share of the time (0 to 1) over the window, from
   * `performance.eventLoopUtilization()`: a loop busy 99% of the time is overloaded even when no single
   * delay is long.
   * @default undefined (report only)
   */
  maxUtilization?: number;
  /**
   * Which percentile of the delays to judge, from 1 to 100.
   * @default 99
   */
  percentile?: number;
  /**
   * Over how many recent ms, about: the delays older than this are forgotten.
   * @default 10000
   */
  window?: number;
}

// The histogram's sampling interval: its own delay, subtracted from what it measures.
const RESOLUTION_MS = 10;

/**
 * Checks this process's event-loop delay with a `monitorEventLoopDelay` histogram of its own, so nobody
 * else's is read or reset. It covers the last `window` ms or so (two histograms, one reset each half window),
 * reports the percentile minus the histogram's resolution, and keeps nothing alive (its timer is unref'd).
 * @throws {TypeError} for a wrong option
 */
export function eventLoopCheck(options: EventLoopCheckOptions = {}): CheckFunction {
  knownOptions(options, ['maxDelay', 'maxUtilization', 'percentile', 'window'], 'eventLoopCheck()');
  const { maxDelay, maxUtilization, percentile = 99, window = 10_000 } = options;
  validRatio(maxUtilization, 'eventLoopCheck()', 'maxUtilization');
  if (maxDelay !== undefined && !(typeof maxDelay === 'number' && maxDelay >= 0 && Number.isFinite(maxDelay))) {
    throw argumentError('eventLoopCheck()', 'maxDelay', 'a number of ms, 0 or more', maxDelay);
  }
  if (typeof percentile !== 'number' || !(percentile > 0 && percentile <= 100)) {
    throw argumentError('eventLoopCheck()', 'percentile', 'a number above 0, up to 100', percentile);
  }
  if (typeof window !== 'number' || !(window >= 2 * RESOLUTION_MS && window <= MAX_TIMER_MS)) {
    throw argumentError(
      'eventLoopCheck()',
      'window',
      `a number of ms from ${2 * RESOLUTION_MS} to ${MAX_TIMER_MS}`,
      window,
    );
  }
  const histograms = [start(), start()] as const;
  // Beside each histogram, the loop's utilization when it started: the share busy since is over the same span.
  const busy: [EventLoopUtilization, EventLoopUtilization] = [
    performance.eventLoopUtilization(),
    performance.eventLoopUtilization(),
  ];
  let older = 0;
  // Each half window the older histogram starts again: the other always covers between half and a whole window.
  setInterval(() => {
    histograms[older]!.reset();
    busy[older] = performance.eventLoopUtilization();
    older = 1 - older;
  }, window / 2).unref();
  return () => {
    const histogram = histograms[older]!;
    const utilization = performance.eventLoopUtilization(busy[older]).utilization;
    const used = `${(utilization * 100).toFixed(1)}% busy`;
    if (histogram.count === 0) {
      if (maxUtilization !== undefined && utilization > maxUtilization)
        return outcome('ERROR', `event loop ${used}: above ${maxUtilization * 100}%`, { utilization });
      return outcome('OK', 'no samples yet', { observedUnit: 'ms', utilization });
    }
    const delay = Math.max(0, histogram.percentile(percentile) / 1e6 - RESOLUTION_MS);
    const details = {
      observedValue: Number(delay.toFixed(2)),
      observedUnit: 'ms',
      percentile,
      samples: histogram.count,
      utilization: Number(utilization.toFixed(4)),
    };
    const summary = `event loop delay p${percentile} ${delay.toFixed(1)} ms, ${used}`;
    if (maxDelay !== undefined && delay > maxDelay)
      return outcome('ERROR', `${summary}: above ${maxDelay} ms`, details);
    if (maxUtilization !== undefined && utilization > maxUtilization)
      return outcome('ERROR', `${summary}: busy above ${maxUtilization * 100}%`, details);
    return outcome('OK', summary, details);
  };
}

function start(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return histogram;
}
