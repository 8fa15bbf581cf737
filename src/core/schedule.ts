/**
 * A registered check's schedule: its options (`interval` and the rest, or a `cache` of its own) checked
 * once, and one scheduled check as it stands: its planned run, its last result, and what a request takes
 * instead of running it (that result, the promise of the first, or a failure once the result is stale).
 * The bus's `Scheduler` (`scheduler.ts`) runs them.
 */
import type { CheckRules } from './tracker.js';
import { type CheckFunction, type CheckOptions, type CheckResult, passes, spanOfTime } from './types.js';
import { holdsTimer, optionError, TIMER_MS, validCache } from './validate.js';

/** When a registered check runs on its own, and how long it reuses its results. */
export interface ScheduleOptions {
  /**
   * Run the check on a timer of its own every `interval` ms; requests answer from its last result.
   * @default none (the check runs when a request asks)
   */
  interval?: number;
  /**
   * Ms before the first scheduled run.
   * @default 0
   */
  initialDelay?: number;
  /**
   * A fraction of the interval (0 to 1): each delay is the interval give or take half of it, drawn per
   * run; with any jitter, the first run falls anywhere in the first interval (brought forward when a
   * request needs its result) and so does the delay after it, so that checks registered together spread
   * over the interval; `0` keeps them exact.
   * @default 0.1
   */
  jitter?: number;
  /**
   * The interval while the check is failing: shorter to see a recovery sooner, longer to spare a broken
   * dependency.
   * @default interval
   */
  unhealthyInterval?: number;
  /**
   * A scheduled result older than this many ms is served as `ERROR "stale: last result 47 s ago"`.
   * @default three intervals (of the longer of `interval` and `unhealthyInterval`)
   */
  staleAfter?: number;
  /**
   * Run the schedule while the disable file exists too.
   * @default false
   */
  runInMaintenance?: boolean;
  /**
   * For a check without `interval`: reuse its own last result this many ms, by outcome.
   * @default none
   */
  cache?: { success?: number; failure?: number };
}

/** A schedule, checked. */
export interface CheckSchedule {
  readonly interval: number | undefined;
  readonly initialDelay: number;
  readonly jitter: number;
  readonly unhealthyInterval: number;
  readonly staleAfter: number;
  readonly runInMaintenance: boolean;
  readonly cache: { readonly success: number; readonly failure: number } | undefined;
}

/** The names of the schedule options, for `registerCheck()`'s list of its own. */
export const SCHEDULE_OPTIONS = [
  'interval',
  'initialDelay',
  'jitter',
  'unhealthyInterval',
  'staleAfter',
  'runInMaintenance',
  'cache',
] as const;

/**
 * Checks a check's schedule; `undefined` when it has none (it runs when asked, as every check did).
 * @param timeout the check's own `timeout`, which must be shorter than its interval
 * @throws {TypeError} naming the option, in the one form
 */
export function checkSchedule(
  options: ScheduleOptions,
  timeout: number | undefined,
  where: string,
): CheckSchedule | undefined {
  const {
    interval,
    initialDelay = 0,
    jitter = 0.1,
    unhealthyInterval,
    staleAfter,
    runInMaintenance = false,
    cache,
  } = options;
  const ms = (option: keyof ScheduleOptions, value: unknown, orZero = false): number => {
    if (orZero && value === 0) return 0;
    if (!holdsTimer(value)) throw optionError(where, option, orZero ? `0 or ${TIMER_MS}` : TIMER_MS, value);
    return value;
  };
  const ownCache = cache === undefined ? undefined : validCache(cache, where);
  if (interval === undefined) {
    for (const [option, value] of Object.entries({
      initialDelay: options.initialDelay,
      unhealthyInterval,
      staleAfter,
    })) {
      if (value !== undefined) throw optionError(where, option, 'given with `interval` only', value);
    }
    return ownCache === undefined ? undefined : Object.freeze({ ...NOT_SCHEDULED, cache: ownCache });
  }
  if (ownCache !== undefined)
    throw optionError(where, 'cache', 'left out with `interval` (its result is reused)', cache);
  const every = ms('interval', interval);
  if (timeout !== undefined && timeout >= every)
    throw optionError(where, 'timeout', `shorter than \`interval\` (${every} ms): runs would overlap`, timeout);
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
    throw optionError(where, 'jitter', 'from 0 to 1', jitter);
  if (typeof runInMaintenance !== 'boolean')
    throw optionError(where, 'runInMaintenance', 'true or false', runInMaintenance);
  const failing = unhealthyInterval === undefined ? every : ms('unhealthyInterval', unhealthyInterval);
  const stale = staleAfter === undefined ? 3 * Math.max(every, failing) : ms('staleAfter', staleAfter);
  if (stale < Math.max(every, failing)) {
    throw optionError(where, 'staleAfter', 'at least `interval` and `unhealthyInterval`', staleAfter);
  }
  return Object.freeze({
    interval: every,
    initialDelay: ms('initialDelay', initialDelay, true),
    jitter,
    unhealthyInterval: failing,
    staleAfter: stale,
    runInMaintenance,
    cache: undefined,
  });
}

const NOT_SCHEDULED = {
  interval: undefined,
  initialDelay: 0,
  jitter: 0,
  unhealthyInterval: 0,
  staleAfter: 0,
  runInMaintenance: false,
};

/** A registered check with a schedule, as the scheduler keeps it. */
export interface ScheduledEntry {
  readonly name: string;
  readonly fn: CheckFunction;
  readonly options: CheckOptions;
  readonly rules: CheckRules;
  readonly schedule: CheckSchedule;
}

/** What a scheduled check asks of the scheduler that holds it. */
export interface Planner {
  /** The deadline of a scheduled run whose check has no `timeout`: the first mount's `timeout`. */
  readonly timeout: number;
  /** Plans a run of `check` at `at` (ms since the epoch), in place of any run planned before. */
  plan(check: ScheduledCheck, at: number, first: boolean): void;
}

/** A planned run: when, which check, and whether it is the check's first. */
export interface Planned {
  readonly at: number;
  readonly check: ScheduledCheck;
  readonly first: boolean;
}

/** One scheduled check: its planned run, whether it is running, and its last result. */
export class ScheduledCheck {
  readonly entry: ScheduledEntry;
  last: CheckResult | undefined;
  /** Its place in the scheduler's queue, while a run is planned. */
  planned: Planned | undefined;
  /** Set when the check is unregistered: a run under way then keeps its result to itself. */
  removed = false;
  /** Its options with the scheduler's `timeout` when it has none, for a run whose deadline is longer. */
  timedOptions: CheckOptions;
  #running = false;
  #first: { promise: Promise<CheckResult>; resolve: (result: CheckResult) => void } | undefined;
  // When the first run may come at the earliest: the start of the schedules plus `initialDelay`.
  #earliest = 0;
  readonly #scheduler: Planner;

  constructor(entry: ScheduledEntry, scheduler: Planner) {
    this.entry = entry;
    this.#scheduler = scheduler;
    this.timedOptions = entry.options;
  }

  /**
   * Plans the first run: after `initialDelay`; with jitter, anywhere in the interval after it, so that
   * checks started together spread over it (a request that needs the result brings the run forward).
   */
  start(): void {
    const { options, schedule } = this.entry;
    const { initialDelay, jitter, interval } = schedule;
    if (interval === undefined || this.planned !== undefined) return;
    this.timedOptions = options.timeout === undefined ? { ...options, timeout: this.#scheduler.timeout } : options;
    this.#earliest = Date.now() + initialDelay;
    this.#scheduler.plan(this, this.#earliest + (jitter > 0 ? Math.random() * interval : 0), true);
  }

  /** Drops the planned run, if any. */
  stop(): void {
    this.planned = undefined;
  }

  /** Whether this check runs now: not already running, and not in maintenance unless it may. */
  claim(inMaintenance: boolean): boolean {
    if (this.#running || (inMaintenance && !this.entry.schedule.runInMaintenance)) return false;
    this.#running = true;
    return true;
  }

  /** A run of it is over, with this result (`undefined` when it gave none). */
  finish(result: CheckResult | undefined): void {
    this.#running = false;
    // Unregistered while it ran: its result goes nowhere.
    if (result === undefined || this.removed) return;
    this.last = result;
    this.#first?.resolve(result);
    this.#first = undefined;
  }

  /** Plans the next run, from the start of the last: a run takes less than its interval, so none overlap. */
  planNext(first: boolean, startedAt: number): void {
    const { interval, unhealthyInterval, jitter } = this.entry.schedule;
    const failing = this.last !== undefined && !passes(this.last.observed);
    const base = failing ? unhealthyInterval : (interval as number);
    // With jitter, the delay after the first run is anywhere across one interval, so that checks registered
    // together spread over it; every later delay is the interval give or take half the jitter.
    const delay =
      jitter === 0 ? base : first ? base * (0.5 + Math.random()) : base * (1 + jitter * (Math.random() - 0.5));
    this.#scheduler.plan(this, startedAt + delay, false);
  }

  /**
   * What a request takes instead of running the check: the last scheduled result (a failure once stale),
   * the promise of the first one, or a cached result still fresh; `undefined` to run the check.
   */
  made(now: number): CheckResult | Promise<CheckResult> | undefined {
    const { schedule } = this.entry;
    const last = this.last;
    if (schedule.interval === undefined) {
      if (last === undefined || schedule.cache === undefined) return undefined;
      const ttl = passes(last.status) ? schedule.cache.success : schedule.cache.failure;
      return now - (last.startedAt + last.duration) < ttl ? last : undefined;
    }
    if (last === undefined) {
      // A request waits for the first run: it comes now (or once `initialDelay` has passed), not at its turn.
      if (!this.#running && this.planned?.first === true && this.planned.at > Math.max(now, this.#earliest))
        this.#scheduler.plan(this, Math.max(now, this.#earliest), true);
      this.#first ??= withResolvers();
      return this.#first.promise;
    }
    const age = now - (last.startedAt + last.duration);
    if (age <= schedule.staleAfter) return last;
    return Object.freeze({
      ...last,
      status: this.entry.options.critical === false ? 'WARN' : 'ERROR',
      message: `stale: last result ${spanOfTime(age)} ago`,
    });
  }

  /** Keeps a result the check made on a request (for its own `cache`). */
  keep(result: CheckResult): void {
    if (this.entry.schedule.interval === undefined) this.last = result;
  }
}

function withResolvers(): { promise: Promise<CheckResult>; resolve: (result: CheckResult) => void } {
  let resolve!: (result: CheckResult) => void;
  const promise = new Promise<CheckResult>((done) => (resolve = done));
  return { promise, resolve };
}
