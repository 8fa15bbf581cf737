import { contextOf, type Held, holdShared } from './context.js';
import { CheckHistory } from './history.js';
import { logText, messageOf } from './json-safe.js';
import {
  emitGuarded,
  type Run,
  type RunSettings,
  refuseUnknown,
  type StartedRun,
  selectResult,
  startRun,
} from './run.js';
import { Selection } from './selection.js';
import {
  type CheckChange,
  type CheckResult,
  entryOf,
  type KnownCheck,
  type RunResult,
  type RunStatus,
  setBounded,
} from './types.js';
import type { LogFields, Logger } from './validate.js';

/** How long results are reused, in ms, by outcome. */
export interface CacheOptions {
  /**
   * Reuse an `OK` or `WARN` result for this long.
   * @default 0
   */
  success?: number;
  /**
   * Reuse an `ERROR` result for this long.
   * @default 0
   */
  failure?: number;
}

/** What the engine needs, validated: the middleware's options after `health()` checked them. */
export interface EngineOptions extends RunSettings {
  readonly cache: Required<CacheOptions>;
  readonly refreshInterval: number;
  /** How many transitions the history keeps. */
  readonly history: number;
  /** How many recent results the history keeps per check, and of the overall status, for the page's timeline. */
  readonly timeline: number;
}

/** A result as served: `age` in ms when it was reused rather than run for this request. */
export interface ServedResult {
  readonly result: RunResult;
  readonly age: number | undefined;
}

// Selections are chosen by requests: bound what they can make us keep.
const MAX_SELECTIONS = 64;

/**
 * Runs checks for the middleware: one shared run per set of selected checks at a time, results cached by
 * outcome or refreshed in the background, `'healthresult'` and `'healthchange'` emitted, transitions logged.
 */
export class HealthEngine {
  readonly #options: EngineOptions;
  readonly #inflight = new Map<string, SharedRun>();
  // The last run of each set of checks, when it ran into its deadline and failed: while the next run of the
  // same checks is under way, requests are answered from it at once rather than queued behind a dependency
  // that hangs.
  readonly #hung = new Map<string, Run>();
  // Until the first run has finished, the first run under way for each thing asked for, whatever it excludes.
  readonly #firstRun = new Map<string, SharedRun & { selection: Selection }>();
  readonly #cache = new Map<string, { run: Run; until: number }>();
  // The last result of each set of selected checks (bounded, as selections are the client's to invent):
  // what a run's change is judged against, and with the checks' history what the status page shows.
  readonly #lastRuns = new Map<string, RunResult>();
  readonly #history: CheckHistory;
  // The names the last run made known: what a selection really selects is judged by them.
  #known: ReadonlyMap<string, KnownCheck> | undefined;
  #available: readonly string[] = Object.freeze([]);
  // Each selection's key among the checks known, worked out once per set of known names (probes repeat a few).
  #keys = new WeakMap<Selection, string>();
  #latest: Run | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#history = new CheckHistory(options.history, options.timeline);
    // The first background run waits a turn, so modules imported after the middleware can subscribe.
    if (options.refreshInterval > 0) this.#schedule(0);
  }

  /** The check names the last run made known, sorted; empty before any run. */
  get available(): readonly string[] {
    return this.#available;
  }

  /** Each check's state and the last transitions. */
  get history(): CheckHistory {
    return this.#history;
  }

  /** The last result of each set of selected checks, newest last. */
  get lastRuns(): readonly RunResult[] {
    return [...this.#lastRuns.values()];
  }

  /** Whether checks run in the background, so that requests are answered from the last run. */
  get refreshing(): boolean {
    return this.#timer !== undefined;
  }

  /** The check names the last run knew that `selection` includes. */
  selects(selection: Selection): string[] {
    return [...(this.#knownNames() ?? [])]
      .filter(([name, check]) => selection.includes(name, check))
      .map(([name]) => name);
  }

  /** What `selection` names by name or tag that no check of the last run has; empty before any run. */
  missing(selection: Selection): string[] {
    const known = this.#knownNames();
    return known === undefined ? [] : selection.missing(known);
  }

  /**
   * The result for `selection`, if one can be had at once: from the background run or the cache.
   * @param lenient names and tags no check has are left out rather than refused (for configured selections)
   * @throws {SelectionError} when a requested name or tag has no check, unless `lenient`
   */
  resultAtHand(selection: Selection, lenient = false): ServedResult | undefined {
    const refreshed = this.#timer === undefined ? undefined : this.#latest;
    if (refreshed) return { result: selectResult(refreshed, selection, lenient), age: ageOf(refreshed) };
    const hit = this.#cache.get(this.#keyOf(selection));
    if (hit && Date.now() < hit.until)
      return { result: selectResult(hit.run, selection, lenient), age: ageOf(hit.run) };
    return undefined;
  }

  /**
   * The result for `selection`: at once if it can be had (see `resultAtHand()`), else from a run under way or a new run
   * (before the first background run has finished, that one).
   * @param lenient names and tags no check has are left out rather than refused (for configured selections)
   * @throws {SelectionError} when a requested name or tag has no check, unless `lenient`
   */
  async serve(selection: Selection, lenient = false): Promise<ServedResult> {
    const ready = this.resultAtHand(selection, lenient);
    if (ready) return ready;
    // Every check registered, none run yet: a name none of them has is refused without a run.
    const registry = this.#known === undefined ? this.#knownNames() : undefined;
    if (registry !== undefined && !lenient) refuseUnknown(selection, registry);
    const wanted = this.#timer === undefined ? selection : Selection.all;
    const first = this.#knownNames() === undefined ? this.#firstRun.get(wanted.asked) : undefined;
    if (first !== undefined && first.selection.key !== wanted.key) {
      // Before any run has made the names known, exclusions cannot be told apart: wait for the first run
      // asking for the same checks, and take it if it ran what this selection runs (the exclusions named
      // no check), so that a flood of invented `exclude=` names runs the checks once.
      first.joined();
      const run = await first.turn();
      if (this.#keyOf(wanted) === this.#keyOf(first.selection))
        return { result: selectResult(run, selection, lenient), age: borrowedAge(run.result) };
    }
    const hung = this.#hung.size === 0 ? undefined : this.#hungResult(wanted);
    if (hung !== undefined) return { result: selectResult(hung, selection, lenient), age: ageOf(hung) };
    const run = await this.#shared(wanted);
    return { result: selectResult(run, selection, lenient), age: borrowedAge(run.result) };
  }

  /** The last failure of these checks, if it ran into its deadline and the next run of them is under way. */
  #hungResult(selection: Selection): Run | undefined {
    const key = this.#keyOf(selection);
    return this.#inflight.has(key) ? this.#hung.get(key) : undefined;
  }

  /** Stops the background refresh; later requests run their checks on demand. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * What a selection really selects, as a key: the names it includes among the checks known, so that
   * `?exclude=x1`, `x2`, … or `?checks=x1`, `x2`, … (names no check has) share one run and one log line.
   */
  #keyOf(selection: Selection): string {
    if (this.#known === undefined) {
      // Before any run, the registry may know every name; not remembered, as checks may still be registered.
      return this.#knownNames() === undefined ? selection.key : `checks:${this.selects(selection).sort().join(',')}`;
    }
    let key = this.#keys.get(selection);
    if (key === undefined) {
      // Names no check has add nothing to run: `/ready/x1`, `/ready/x2`, … share one run with each other.
      key = `checks:${this.selects(selection).sort().join(',')}`;
      this.#keys.set(selection, key);
    }
    return key;
  }

  /**
   * The names of every check and how each was registered: those the last run made known, or before any run
   * those of the bus's registry when it holds every check of the bus; else `undefined`.
   */
  #knownNames(): ReadonlyMap<string, KnownCheck> | undefined {
    return this.#known ?? contextOf(this.#options.bus).knownFromRegistry();
  }

  /** A run made these names known: the keys and the list of names follow them, when they changed. */
  #learn(known: ReadonlyMap<string, KnownCheck>): void {
    const previous = this.#known;
    this.#known = known;
    this.#firstRun.clear();
    if (previous !== undefined && sameNames(previous, known)) return;
    this.#keys = new WeakMap();
    this.#available = Object.freeze([...known.keys()].sort());
  }

  /** Joins the run under way for the same checks, or starts one; either way, as this request's. */
  #shared(selection: Selection, request = true): Promise<Run> {
    const key = this.#keyOf(selection);
    const joining = this.#inflight.get(key);
    if (joining) {
      if (!request) return joining.done;
      joining.joined();
      return joining.turn();
    }
    const started = startRun(this.#options, selection, request);
    const done = this.#finish(selection, started.done).finally(() => this.#inflight.delete(key));
    const run: SharedRun = { joined: started.joined, done, turn: inTurns(done) };
    this.#inflight.set(key, run);
    if (this.#known === undefined && !this.#firstRun.has(selection.asked))
      this.#firstRun.set(selection.asked, { ...run, selection });
    return request ? run.turn() : run.done;
  }

  async #finish(selection: Selection, done: Promise<Run>): Promise<Run> {
    const run = await done;
    this.#learn(run.known);
    const key = this.#keyOf(selection);
    const { cache } = this.#options;
    const ttl = run.result.status === 'ERROR' ? cache.failure : cache.success;
    // A selection naming unknown checks is answered 400 and not worth keeping.
    if (ttl > 0 && selection.missing(run.known).length === 0) {
      setBounded(this.#cache, key, { run, until: Date.now() + ttl }, MAX_SELECTIONS);
    }
    // Ran into its deadline and failed: a dependency hangs (a run of sync checks never lasts that long).
    if (run.result.status === 'ERROR' && run.result.duration >= this.#options.timeout - 1)
      setBounded(this.#hung, key, run, MAX_SELECTIONS);
    else this.#hung.delete(key);
    this.#observe(run.result);
    return run;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      this.#shared(Selection.all, false)
        .then(
          (run) => {
            this.#latest = run;
          },
          // Nothing in a run should throw; if something does, the next run must still happen on time.
          (error: unknown) =>
            this.#options.logger.error(`koa-health: a background run failed: ${logText(messageOf(error))}`),
        )
        .finally(() => {
          if (!this.#closed) this.#schedule(this.#options.refreshInterval);
        });
    }, delay).unref();
  }

  /** Emits the result and, when something changed since the last run of the same checks, the change; logs transitions only. */
  #observe(result: RunResult): void {
    const { logger } = this.#options;
    // Judged against the last result holding the same checks: a selection a client invents (a name no check
    // has, beside a crashed subscriber) holds what others hold, and is no news.
    const key = result.checks
      .map(({ name }) => name)
      .sort()
      .join(',');
    emitGuarded(this.#options, 'healthresult', result);
    const before = this.#lastRuns.get(key)?.status;
    const changes = this.#history.record(result);
    setBounded(this.#lastRuns, key, result, MAX_SELECTIONS);
    if ((before ?? 'OK') === result.status && changes.length === 0) return;
    emitGuarded(this.#options, 'healthchange', { before, after: result.status, checks: changes, result });
    // A structured logger gets the same line's facts as fields; the fields are made only for one.
    const fields = logger.structured ? logFields(result, before, changes) : undefined;
    if (result.status === 'ERROR') logger.error(`Health response: ERROR (${describeChecks(result.checks)})`, fields);
    else if (result.status === 'WARN') {
      const line = `Health response: WARN (${describeChecks(result.checks.filter(({ status }) => status !== 'OK'))})`;
      logger.warn(line, fields);
    } else {
      const recovered = changes.filter(({ after }) => after === 'OK').map(({ name }) => logText(name));
      logger.info(`Health response: OK${recovered.length ? ` (recovered: ${recovered.join(', ')})` : ''}`, fields);
    }
  }
}

/** A run under way, shared by the requests that wait for it: each waits for its turn (`turn()`). */
interface SharedRun extends StartedRun {
  /** The run's end, in this request's turn: see `inTurns()`. */
  turn(): Promise<Run>;
}

// How many requests waiting for one run are answered in one turn of the event loop. One: an answer costs
// about what one of the app's own requests costs, so the app waits behind at most one of them. With 32, the
// twenty or so probes a run of 20 ms gathers under 1,000 probes/s were written in one burst: the server's
// event-loop delay at p99 (monitorEventLoopDelay, under bench/app-latency.ts's flood) was 4.1 to 4.5 ms
// against 2.9 to 3.7 ms with one.
const SLICE = 1;

/**
 * Hands the end of `done` to its waiters `SLICE` at a time, one turn of the event loop apart: when the run of
 * a flood of probes ends (a thousand of them behind a hanging dependency, say), their answers are written one
 * slice at a time, and the app's own requests are served between the slices rather than after the whole burst.
 */
function inTurns<T>(done: Promise<T>): () => Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  const waiting: Array<{ resolve(value: T): void; reject(error: unknown): void }> = [];
  const release = (): void => {
    const settled = outcome!;
    for (const waiter of waiting.splice(0, SLICE)) {
      if (settled.ok) waiter.resolve(settled.value);
      else waiter.reject(settled.error);
    }
    if (waiting.length > 0) setImmediate(release);
  };
  done.then(
    (value) => {
      outcome = { ok: true, value };
      release();
    },
    (error: unknown) => {
      outcome = { ok: false, error };
      release();
    },
  );
  return () =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ resolve, reject });
      // Late, after every slice has gone: its turn is now.
      if (outcome !== undefined && waiting.length === 1) release();
    });
}

/** Whether two runs knew the same checks, registered the same way. */
function sameNames(a: ReadonlyMap<string, KnownCheck>, b: ReadonlyMap<string, KnownCheck>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, check] of a) {
    const other = b.get(name);
    if (other === undefined || other.default !== check.default || other.tags.join() !== check.tags.join()) return false;
  }
  return true;
}

/** How old a reused run is: from its end, or from its oldest check result made before it (a scheduled one). */
function ageOf({ result }: Run): number {
  return Math.max(0, Date.now() - oldestEnd(result, result.startedAt + result.duration));
}

/** How old a new run's answer is: `undefined`, unless it holds results made before it (scheduled ones). */
function borrowedAge(result: RunResult): number | undefined {
  const oldest = oldestEnd(result, result.startedAt);
  return oldest < result.startedAt ? Math.max(0, Date.now() - oldest) : undefined;
}

function oldestEnd(result: RunResult, end: number): number {
  let oldest = end;
  for (const { startedAt, duration } of result.checks) oldest = Math.min(oldest, startedAt + duration);
  return oldest;
}

/**
 * A change's line as a structured logger's fields: the overall `status` and the one `before`, every check
 * (`name`, `status`, `message`, `durationMs`), the checks that changed, and the run's `selection`.
 */
function logFields(result: RunResult, before: RunStatus | undefined, changes: readonly CheckChange[]): LogFields {
  return {
    status: result.status,
    before: before ?? null,
    checks: result.checks.map(({ name, status, message, duration }) => ({
      name,
      status,
      message,
      durationMs: Math.round(duration * 1000) / 1000,
    })),
    changes: changes.map(({ name, before: from, after }) => ({ name, before: from ?? null, after })),
    selection: result.selection,
  };
}

/** `name=STATUS "message"` for each result, for one log line; nothing in it can break the line. */
function describeChecks(checks: readonly CheckResult[]): string {
  return checks
    .map(({ name, status, message }) => {
      const check = `${logText(name)}=${logText(status)}`;
      // JSON escapes control characters; the two Unicode line separators it leaves, we escape too.
      return message
        ? `${check} ${JSON.stringify(message)
            .replace(/\u2028/g, '\\u2028')
            .replace(/\u2029/g, '\\u2029')}`
        : check;
    })
    .join(', ');
}

// Loggers are told apart by identity: each gets a number of its own.
const loggerIds = new WeakMap<Logger, number>();
let nextLoggerId = 0;

/**
 * The engine for these settings on their bus: the one another mount made, or a new one.
 * `release()` stops it once no mount uses it any more.
 */
export function sharedEngine(options: EngineOptions): Held<HealthEngine> {
  // Kept in the bus's context by logger and settings: mounts on one bus with the same settings run one engine
  // (one run per flood, one refresh timer, one log line).
  return holdShared(contextOf(options.bus).shared<string, HealthEngine>('engines'), settingsKey(options), () => {
    const engine = new HealthEngine(options);
    return { value: engine, stop: () => engine.close() };
  });
}

function settingsKey(options: EngineOptions): string {
  const { timeout, refreshInterval, logger, cache, expect, history, timeline, flapping } = options;
  const id = entryOf(loggerIds, logger, () => nextLoggerId++);
  return JSON.stringify([
    timeout,
    refreshInterval,
    id,
    cache.success,
    cache.failure,
    expect,
    history,
    timeline,
    flapping,
  ]);
}
