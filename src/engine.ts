import type { HealthBus } from './bus.js';
import { messageOf, type CheckStatus, type HealthStatus } from './event.js';
import { describeChecks, type CheckChange, type HealthResult } from './result.js';
import { executeRun, selectResult, type Run } from './run.js';
import { setBounded } from './bounded.js';
import { Selection } from './selection.js';
import type { Logger } from './validate.js';

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

export interface EngineOptions {
  bus: HealthBus;
  timeout: number;
  cache: Required<CacheOptions>;
  refreshInterval: number;
  logger: Logger;
}

/** A result as served: `age` in ms when it was reused rather than run for this request. */
export interface Served {
  readonly result: HealthResult;
  readonly age: number | undefined;
}

// Selections are chosen by requests: bound what they can make us keep.
const MAX_SELECTIONS = 64;

/**
 * Runs checks for the middleware: one shared run per selection at a time, results cached by outcome
 * or refreshed in the background, `'healthresult'` and `'healthchange'` emitted, transitions logged.
 */
export class HealthEngine {
  readonly #options: EngineOptions;
  readonly #inflight = new Map<string, Promise<Run>>();
  readonly #cache = new Map<string, { run: Run; until: number }>();
  // Last overall status by selection; bounded, as selections are the client's to invent.
  readonly #overall = new Map<string, HealthStatus>();
  readonly #checks = new Map<string, CheckStatus>();
  #latest: Run | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    // The first background run waits a turn, so modules imported after the middleware can subscribe.
    if (options.refreshInterval > 0) this.#schedule(0);
  }

  /**
   * The result for `selection`, if one can be had at once: from the background run or the cache.
   * @throws {SelectionError} when a requested name or tag has no check
   */
  ready(selection: Selection): Served | undefined {
    const refreshed = this.#timer === undefined ? undefined : this.#latest;
    if (refreshed) return { result: selectResult(refreshed, selection), age: ageOf(refreshed) };
    const hit = this.#cache.get(selection.key);
    if (hit && Date.now() < hit.until) return { result: selectResult(hit.run, selection), age: ageOf(hit.run) };
    return undefined;
  }

  /**
   * The result for `selection`: at once if it can be had (see `ready()`), else from a run under way or a new run
   * (before the first background run has finished, that one).
   * @throws {SelectionError} when a requested name or tag has no check
   */
  async serve(selection: Selection): Promise<Served> {
    const ready = this.ready(selection);
    if (ready) return ready;
    const run = await this.#shared(this.#timer === undefined ? selection : Selection.all);
    return { result: selectResult(run, selection), age: undefined };
  }

  /** Stops the background refresh; later requests run their checks on demand. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Joins the run under way for this selection, or starts one. */
  #shared(selection: Selection): Promise<Run> {
    const { key } = selection;
    let run = this.#inflight.get(key);
    if (!run) {
      run = this.#execute(selection).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, run);
    }
    return run;
  }

  async #execute(selection: Selection): Promise<Run> {
    const { bus, timeout, cache } = this.#options;
    const run = await executeRun(bus, selection, timeout);
    const ttl = run.result.status === 'ERROR' ? cache.failure : cache.success;
    // A selection naming unknown checks is answered 400 and not worth keeping.
    if (ttl > 0 && selection.missing(run.known).length === 0) {
      setBounded(this.#cache, selection.key, { run, until: Date.now() + ttl }, MAX_SELECTIONS);
    }
    this.#observe(run.result);
    return run;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      void this.#shared(Selection.all).then((run) => {
        this.#latest = run;
        if (!this.#closed) this.#schedule(this.#options.refreshInterval);
      });
    }, delay).unref();
  }

  /** Emits the result and, when something changed since the last run, the change; logs transitions only. */
  #observe(result: HealthResult): void {
    const { bus, logger } = this.#options;
    this.#emit('healthresult', () => bus.emit('healthresult', result));
    const before = this.#overall.get(result.selection);
    setBounded(this.#overall, result.selection, result.status, MAX_SELECTIONS);
    const changes: CheckChange[] = [];
    for (const { name, status, message } of result.checks) {
      const previous = this.#checks.get(name);
      this.#checks.set(name, status);
      // Never seen counts as OK: a healthy start is not news, a failing one is.
      if ((previous ?? 'OK') !== status) changes.push({ name, before: previous, after: status, message });
    }
    if ((before ?? 'OK') === result.status && changes.length === 0) return;
    this.#emit('healthchange', () => bus.emit('healthchange', { before, after: result.status, checks: changes, result }));
    if (result.status === 'ERROR') logger.error(`Health response: ERROR (${describeChecks(result.checks)})`);
    else if (result.status === 'WARN') {
      logger.warn(`Health response: WARN (${describeChecks(result.checks.filter(({ status }) => status !== 'OK'))})`);
    } else {
      const recovered = changes.filter(({ after }) => after === 'OK').map(({ name }) => name);
      logger.info(`Health response: OK${recovered.length ? ` (recovered: ${recovered.join(', ')})` : ''}`);
    }
  }

  /** A listener that throws must not turn a health answer into a 500: log it instead. */
  #emit(type: 'healthresult' | 'healthchange', emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.#options.logger.error(`koa-health: a '${type}' listener threw: ${messageOf(error)}`);
    }
  }
}

function ageOf({ result }: Run): number {
  return Math.max(0, Date.now() - result.startedAt - result.duration);
}
