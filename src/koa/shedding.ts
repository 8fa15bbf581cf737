/**
 * `koa-health/shedding`: `loadShedding()`, an opt-in Koa middleware that answers the app's own requests
 * `503` with `Retry-After` while the process is overloaded (event-loop delay or utilization, heap, RSS),
 * sampled on a timer, never per request. It never sheds what `health()` answers on its bus: an overloaded
 * instance still tells its probes how it is.
 * @module
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Context, Next } from 'koa';
import {
  contextOf,
  type HealthBus,
  healthBus,
  holdsTimer,
  knownOptions,
  optionError,
  TIMER_MS,
  validBus,
} from '../core/index.js';
import { isHealthPath } from './middleware.js';

/** Options of `loadShedding()`: at least one limit. */
export interface LoadSheddingOptions {
  /**
   * Shed while the event loop's delay (p99 over the last sample) is above this many ms.
   * @default none
   */
  maxEventLoopDelay?: number;
  /**
   * Shed while the event loop was busy more than this share of the last sample (0 to 1).
   * @default none
   */
  maxEventLoopUtilization?: number;
  /**
   * Shed while the V8 heap in use is above this many bytes.
   * @default none
   */
  maxHeapUsedBytes?: number;
  /**
   * Shed while the resident set is above this many bytes.
   * @default none
   */
  maxRssBytes?: number;
  /**
   * Ms between samples (the timer is unref'd).
   * @default 1000
   */
  sampleInterval?: number;
  /**
   * The `Retry-After` of a shed request, in seconds.
   * @default 10
   */
  retryAfter?: number;
  /**
   * Also refuse traffic (`/health/ready` 503) while shedding. Off by default: when every replica is loaded,
   * failing readiness everywhere empties the Service and sheds everything.
   * @default false
   */
  refuseTraffic?: boolean;
  /**
   * The bus whose availability shows the shedding (status page, `'availability'` events, metrics), and whose
   * `health()` paths are never shed.
   * @default healthBus
   */
  bus?: HealthBus;
}

/** The middleware, with `close()` to stop sampling, and whether it sheds now. */
export interface LoadSheddingMiddleware {
  (ctx: Context, next: Next): Promise<unknown> | unknown;
  /** Stops sampling; shedding ends. */
  close(): void;
  /** Whether requests are shed now. */
  readonly shedding: boolean;
}

const OPTIONS = [
  'maxEventLoopDelay',
  'maxEventLoopUtilization',
  'maxHeapUsedBytes',
  'maxRssBytes',
  'sampleInterval',
  'retryAfter',
  'refuseTraffic',
  'bus',
] as const;

// The delay histogram's own sampling interval, subtracted from what it measures.
const RESOLUTION_MS = 10;

/**
 * Sheds the app's requests with `503` and `Retry-After` while any limit is exceeded; every other request
 * pays one boolean test. Each spell of shedding is one `'availability'` change when it starts and one
 * when it ends (with the count of requests shed), logged once each.
 * @throws {TypeError} for a wrong option, or none of the limits
 */
export function loadShedding(options: LoadSheddingOptions = {}): LoadSheddingMiddleware {
  const where = 'loadShedding()';
  knownOptions(options, OPTIONS, where);
  const {
    maxEventLoopDelay,
    maxEventLoopUtilization,
    maxHeapUsedBytes,
    maxRssBytes,
    sampleInterval = 1000,
    retryAfter = 10,
    refuseTraffic = false,
    bus = healthBus,
  } = options;
  validBus(bus, where);
  const positive = (name: string, value: unknown, expected: string): void => {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0))
      throw optionError(where, name, expected, value);
  };
  positive('maxEventLoopDelay', maxEventLoopDelay, 'a number of ms above 0');
  positive('maxHeapUsedBytes', maxHeapUsedBytes, 'a number of bytes above 0');
  positive('maxRssBytes', maxRssBytes, 'a number of bytes above 0');
  if (
    maxEventLoopUtilization !== undefined &&
    !(typeof maxEventLoopUtilization === 'number' && maxEventLoopUtilization > 0 && maxEventLoopUtilization <= 1)
  )
    throw optionError(where, 'maxEventLoopUtilization', 'a share above 0, up to 1', maxEventLoopUtilization);
  if (!holdsTimer(sampleInterval)) throw optionError(where, 'sampleInterval', TIMER_MS, sampleInterval);
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0)
    throw optionError(where, 'retryAfter', 'a whole number of seconds, 0 or more', retryAfter);
  if (typeof refuseTraffic !== 'boolean') throw optionError(where, 'refuseTraffic', 'true or false', refuseTraffic);
  if ([maxEventLoopDelay, maxEventLoopUtilization, maxHeapUsedBytes, maxRssBytes].every((v) => v === undefined))
    throw new TypeError(
      `${where}: give at least one limit (maxEventLoopDelay, maxEventLoopUtilization, maxHeapUsedBytes, maxRssBytes)`,
    );

  const context = contextOf(bus);
  const { availability } = context;
  const retryAfterHeader = String(retryAfter);
  let histogram: IntervalHistogram | undefined;
  if (maxEventLoopDelay !== undefined) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
  }
  let busy = performance.eventLoopUtilization();
  // The spell of shedding under way, if any: the bus's availability shows this same object.
  let spell: { since: number; shed: number } | undefined;
  let release: (() => void) | undefined;

  /** What is over its limit now, in words; `undefined` when nothing is. */
  const overLimit = (): string | undefined => {
    const over: string[] = [];
    if (histogram !== undefined && histogram.count > 0) {
      const delay = Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS);
      histogram.reset();
      if (delay > maxEventLoopDelay!)
        over.push(`event loop delay ${delay.toFixed(0)} ms above ${maxEventLoopDelay} ms`);
    }
    if (maxEventLoopUtilization !== undefined) {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, busy);
      busy = now;
      if (utilization > maxEventLoopUtilization)
        over.push(`event loop ${(utilization * 100).toFixed(0)}% busy, above ${maxEventLoopUtilization * 100}%`);
    }
    if (maxHeapUsedBytes !== undefined) {
      const { heapUsed } = process.memoryUsage();
      if (heapUsed > maxHeapUsedBytes) over.push(`heap used ${heapUsed} bytes above ${maxHeapUsedBytes}`);
    }
    if (maxRssBytes !== undefined) {
      const rss = process.memoryUsage.rss();
      if (rss > maxRssBytes) over.push(`rss ${rss} bytes above ${maxRssBytes}`);
    }
    return over.length === 0 ? undefined : over.join('; ');
  };

  const start = (reason: string): void => {
    const at = Date.now();
    spell = { since: at, shed: 0 };
    availability.shedding = spell;
    availability.record({ kind: 'shedding', before: 'ADMITTING', after: 'SHEDDING', reason, at });
    if (refuseTraffic) release = availability.refuse(`overloaded: ${reason}`);
  };
  const stop = (reason: string): void => {
    const shed = spell?.shed ?? 0;
    spell = undefined;
    availability.shedding = undefined;
    availability.record({
      kind: 'shedding',
      before: 'SHEDDING',
      after: 'ADMITTING',
      reason: `${reason} (${shed} request${shed === 1 ? '' : 's'} shed)`,
      at: Date.now(),
      shed,
    });
    release?.();
    release = undefined;
  };

  const timer = setInterval(() => {
    const over = overLimit();
    if (over !== undefined && spell === undefined) start(over);
    else if (over === undefined && spell !== undefined) stop('back under every limit');
  }, sampleInterval);
  timer.unref();

  const middleware = function loadShedding(ctx: Context, next: Next): Promise<unknown> | undefined {
    if (spell === undefined || isHealthPath(context, ctx.path)) return next();
    spell.shed++;
    ctx.status = 503;
    ctx.set('Retry-After', retryAfterHeader);
    ctx.body = 'Service Unavailable: overloaded';
    return undefined;
  };
  // A getter, not a copied value (Object.assign would copy what it is now).
  return Object.defineProperties(middleware, {
    close: {
      value(): void {
        clearInterval(timer);
        histogram?.disable();
        if (spell !== undefined) stop('closed');
      },
    },
    shedding: { get: () => spell !== undefined },
  }) as LoadSheddingMiddleware;
}
