/**
 * Checks that run on a timer of their own (`interval`) or reuse their own last result (`cache`): the
 * scheduler of a bus, kept in its context. A scheduled check runs one run at a time, apart from requests;
 * a request that selects it takes its last result at once (or waits for its first, to the run's deadline),
 * and a result older than `staleAfter` is served as a failure, never as the old `OK`.
 */
import { observeRun } from './observe.js';
import { RunRecorder } from './recorder.js';
import { Selection } from './selection.js';
import type { CheckRules, CheckTracker, FlappingRule, TrackRules } from './tracker.js';
import {
  type CheckFunction,
  type CheckOptions,
  type CheckResult,
  type Instrumentation,
  passes,
  spanOfTime,
} from './types.js';
import { holdsTimer, knownOptions, optionError, TIMER_MS } from './validate.js';

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
   * run, and the delay after the first run falls anywhere across one interval, so that checks registered
   * together spread over it; `0` keeps them exact.
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

function validCache(value: unknown, where: string): { success: number; failure: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(where, 'cache', '{ success, failure } in ms', value);
  knownOptions(value, ['success', 'failure'], `${where} \`cache\``);
  const { success = 0, failure = 0 } = value as { success?: unknown; failure?: unknown };
  for (const [option, ms] of Object.entries({ success, failure })) {
    if (ms !== 0 && !holdsTimer(ms)) throw optionError(where, `cache.${option}`, `0 or ${TIMER_MS}`, ms);
  }
  return Object.freeze({ success: success as number, failure: failure as number });
}

/** A registered check with a schedule, as the scheduler keeps it. */
export interface ScheduledEntry {
  readonly name: string;
  readonly fn: CheckFunction;
  readonly options: CheckOptions;
  readonly rules: CheckRules;
  readonly schedule: CheckSchedule;
}

/** What a scheduled run needs of the bus: its tracker and instrumentations, and what the mounts said. */
interface SchedulerSettings {
  readonly tracker: CheckTracker;
  readonly instrumentations: Iterable<Instrumentation>;
}

/** One check's timer and last result. */
class ScheduledCheck {
  readonly entry: ScheduledEntry;
  last: CheckResult | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #first: { promise: Promise<CheckResult>; resolve: (result: CheckResult) => void } | undefined;
  readonly #scheduler: Scheduler;

  constructor(entry: ScheduledEntry, scheduler: Scheduler) {
    this.entry = entry;
    this.#scheduler = scheduler;
  }

  /** Starts the timer: the first run after `initialDelay`, a little jitter added. */
  start(): void {
    if (this.entry.schedule.interval === undefined || this.#timer !== undefined) return;
    const { initialDelay, jitter, interval } = this.entry.schedule;
    this.#schedule(initialDelay + (jitter > 0 ? Math.random() * jitter * interval : 0), true);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
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

  #schedule(delay: number, first = false): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.#tick(first);
      },
      Math.max(1, delay),
    );
    this.#timer.unref();
  }

  async #tick(first: boolean): Promise<void> {
    const startedAt = Date.now();
    const { schedule } = this.entry;
    const interval = schedule.interval as number;
    if (!this.#running && (schedule.runInMaintenance || !this.#scheduler.inMaintenance())) {
      this.#running = true;
      try {
        await this.#run();
      } finally {
        this.#running = false;
      }
    }
    if (!this.#scheduler.runs(this)) return;
    const failing = this.last !== undefined && !passes(this.last.observed);
    const base = failing ? schedule.unhealthyInterval : interval;
    // With jitter, the delay after the first run is anywhere across one interval, so that checks registered
    // together spread over it; every later delay is the interval give or take half the jitter.
    const { jitter } = schedule;
    const delay =
      jitter === 0 ? base : first ? base * (0.5 + Math.random()) : base * (1 + jitter * (Math.random() - 0.5));
    // From start to start: a run takes less than its interval (its timeout is shorter), so none overlap.
    this.#schedule(delay - (Date.now() - startedAt));
  }

  async #run(): Promise<void> {
    const { name, fn, options, rules } = this.entry;
    const timeout = options.timeout ?? this.#scheduler.timeout;
    const startedAt = Date.now();
    const observers = observeRun(this.#scheduler.settings.instrumentations, { selection: `checks:${name}`, startedAt });
    const recorder = new RunRecorder(Selection.named(name), timeout, observers);
    const done = recorder.check(name, fn, options, true);
    const deadline = setTimeout(() => recorder.expire('check'), timeout);
    deadline.unref();
    await done;
    clearTimeout(deadline);
    recorder.close();
    const raw = recorder.checks[0];
    if (raw === undefined) return;
    const trackRules: TrackRules = {
      failAfter: rules.failAfter,
      recoverAfter: rules.recoverAfter,
      flapping: rules.flapping === undefined ? this.#scheduler.flapping : rules.flapping || undefined,
      critical: options.critical ?? true,
    };
    const result = this.#scheduler.settings.tracker.track(raw, trackRules);
    for (const observer of observers) {
      try {
        observer.ended?.({
          status: passes(result.status) ? (result.status === 'OK' ? 'OK' : 'WARN') : 'ERROR',
          checks: [result],
          startedAt,
          duration: Date.now() - startedAt,
          selection: `checks:${name}`,
        });
      } catch {
        // An observer must not break the schedule.
      }
    }
    // Unregistered while it ran: its result goes nowhere.
    if (!this.#scheduler.runs(this)) return;
    this.last = result;
    this.#first?.resolve(result);
    this.#first = undefined;
  }
}

function withResolvers(): { promise: Promise<CheckResult>; resolve: (result: CheckResult) => void } {
  let resolve!: (result: CheckResult) => void;
  const promise = new Promise<CheckResult>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * The scheduled checks of one bus. Schedules start when the first `health()` or `runHealthChecks()` uses
 * the bus (a check registered later starts at once), and stop when the last mount is closed.
 */
export class Scheduler {
  readonly settings: SchedulerSettings;
  readonly #checks = new Map<string, ScheduledCheck>();
  readonly #maintenanceWatches = new Set<() => boolean>();
  #maintenance: { at: number; active: boolean } | undefined;
  #started = false;
  #mounts = 0;
  /** The deadline of a scheduled run whose check has no `timeout`: the first mount's `timeout`. */
  timeout = 5000;
  /** The flapping rule for a scheduled check without its own: the first mount's. */
  flapping: FlappingRule | undefined;

  constructor(settings: SchedulerSettings) {
    this.settings = settings;
  }

  /** Adds a registered check with a schedule; it starts at once if the schedules have. */
  add(entry: ScheduledEntry): void {
    const check = new ScheduledCheck(entry, this);
    this.#checks.set(entry.name, check);
    if (this.#started) check.start();
  }

  /** Stops and forgets a check's schedule. */
  remove(name: string): void {
    this.#checks.get(name)?.stop();
    this.#checks.delete(name);
  }

  /** What a request takes for `name` instead of running it, if anything (see `ScheduledCheck.made()`). */
  made(name: string): CheckResult | Promise<CheckResult> | undefined {
    return this.#checks.get(name)?.made(Date.now());
  }

  /** Keeps a result `name` made on a request, for its own `cache`. */
  keep(result: CheckResult): void {
    this.#checks.get(result.name)?.keep(result);
  }

  /** Whether `check` is still the one scheduled under its name, and the schedules run. */
  runs(check: ScheduledCheck): boolean {
    return this.#started && this.#checks.get(check.entry.name) === check;
  }

  /**
   * Starts every schedule (once); a mount holds them running until it lets go, and the last to let go
   * stops them. `runHealthChecks()` starts them without holding them.
   */
  start(settings: { timeout: number; flapping?: FlappingRule | undefined }, mount: boolean): () => void {
    if (!this.#started) {
      this.#started = true;
      this.timeout = settings.timeout;
      this.flapping = settings.flapping;
      for (const check of this.#checks.values()) check.start();
    }
    if (!mount) return () => {};
    this.#mounts++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#mounts > 0) return;
      this.#started = false;
      for (const check of this.#checks.values()) check.stop();
    };
  }

  /** Adds a way to tell whether the disable file exists (a mount's); returns a function that removes it. */
  watchMaintenance(active: () => boolean): () => void {
    this.#maintenanceWatches.add(active);
    return () => void this.#maintenanceWatches.delete(active);
  }

  /** Whether a mount is in maintenance; asked at most once a second, however many checks are scheduled. */
  inMaintenance(): boolean {
    const now = Date.now();
    if (this.#maintenance === undefined || now - this.#maintenance.at >= 1000) {
      let active = false;
      for (const watch of this.#maintenanceWatches) active ||= watch();
      this.#maintenance = { at: now, active };
    }
    return this.#maintenance.active;
  }
}
