/**
 * What the app itself says of its availability, beside what the checks say: that it refuses traffic for a
 * while (a config reload, the drain), that it is broken beyond repair, that its startup waits for work of its
 * own (migrations, a cache warming up). One handle per bus, kept in the bus's context; every change is an
 * `'availability'` event on the bus and one log line.
 */
import { messageOf } from './json-safe.js';
import { isThenable } from './types.js';
import { type HealthLogger, holdsTimer, knownOptions, optionError, TIMER_MS } from './validate.js';

/** Whether `/health/ready` may answer 200: `REFUSING` while any refusal holds. */
export type Readiness = 'ACCEPTING' | 'REFUSING';
/** Whether `/health/live` may answer 200: `BROKEN` from `markBroken()` until `markHealthy()`. */
export type Liveness = 'CORRECT' | 'BROKEN';
/** Whether startup has passed: `FAILED` for good once a block failed. */
export type Startup = 'STARTING' | 'STARTED' | 'FAILED';

/** The availability of the app as it stands, with the reasons for each state that does not pass. */
export interface AvailabilityState {
  readonly readiness: Readiness;
  readonly liveness: Liveness;
  readonly startup: Startup;
  /** Why: each refusal's reason, the reason it is broken, the blocks waited for or the one that failed. */
  readonly reasons: {
    readonly readiness: readonly string[];
    readonly liveness: readonly string[];
    readonly startup: readonly string[];
  };
}

/** One change of availability, as emitted on the bus as `'availability'`. */
export interface AvailabilityChange {
  /** What changed; `shedding` is `loadShedding()`'s (`SHEDDING`/`ADMITTING`). */
  readonly kind: 'readiness' | 'liveness' | 'startup' | 'shedding';
  readonly before: string;
  readonly after: string;
  /** What was said: the reason given, or what was released or settled. */
  readonly reason: string;
  /** When, ms since the epoch. */
  readonly at: number;
  /** For the end of load shedding: how many requests were shed while it lasted. */
  readonly shed?: number;
}

/** Options of `block()`. */
export interface BlockOptions {
  /**
   * Ms the work may take; past it, startup fails.
   * @default none
   */
  timeout?: number;
}

/** The app's levers on its own availability, on one bus: `availability(bus)`. */
export interface Availability {
  /** The state as it stands now. */
  readonly state: AvailabilityState;
  /**
   * `/health/ready` answers 503 with `reason` until the function returned is called (or `acceptTraffic()`).
   * Several refusals may hold at once: traffic is accepted when the last is released.
   * @throws {TypeError} for a reason that is not a non-empty string
   */
  refuseTraffic(reason: string): () => void;
  /** Releases every refusal the app made (the drain's, which is for good, stays). */
  acceptTraffic(): void;
  /**
   * `/health/live` answers 503 from now on, until `markHealthy()`: the orchestrator restarts the process.
   * For a state no restart-free repair can leave (a wedged worker pool); never for a failing dependency.
   */
  markBroken(reason: string): void;
  /** Undoes `markBroken()`. */
  markHealthy(): void;
  /**
   * Startup (`/health/startup`, and `/health/ready` until then) waits for this work: `503 "waiting for:
   * name"` until it settles. Work that rejects, or outlasts `timeout`, fails startup for good.
   * @throws {TypeError} for a bad name, work that is neither a promise nor a function, or a bad option
   */
  block(name: string, work: PromiseLike<unknown> | (() => PromiseLike<unknown>), options?: BlockOptions): void;
  /** Resolves once startup has passed; rejects if it failed. */
  whenReady(): Promise<void>;
}

const NO_REASONS: readonly string[] = Object.freeze([]);
// A reason is shown up to this many characters.
const MAX_REASON = 200;
// The last changes kept for the status page.
const MAX_CHANGES = 50;

/** The reason the drain refuses traffic with. */
export const SHUTTING_DOWN = 'shutting down';

/**
 * A reason as it is shown everywhere: one line (control characters become spaces), at most 200 characters.
 * @throws {TypeError} for anything but a non-empty string
 */
function validReason(value: unknown, where: string, option = 'reason'): string {
  if (typeof value !== 'string' || value.trim() === '') throw optionError(where, option, 'a non-empty string', value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces.
  const line = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
}

/** What the availability of a bus needs of its context. */
interface AvailabilitySettings {
  /** Emits a change on the bus. */
  readonly emit: (change: AvailabilityChange) => void;
  /** Whether startup's checks have passed (the probes judge them). */
  readonly checksStarted: () => boolean;
}

/** A piece of work startup waits for. */
interface Block {
  readonly name: string;
  state: 'waiting' | 'done' | 'failed';
}

/** One bus's availability: the handle `availability(bus)` returns, kept in the bus's context. */
export class BusAvailability implements Availability {
  readonly #settings: AvailabilitySettings;
  readonly #refusals = new Map<symbol, string>();
  // The refusals acceptTraffic() does not release: the drain's.
  readonly #lasting = new Set<symbol>();
  #broken: string | undefined;
  readonly #blocks = new Map<string, Block>();
  #failure: string | undefined;
  readonly #changes: AvailabilityChange[] = [];
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #starter: (() => Promise<unknown>) | undefined;
  #poll: NodeJS.Timeout | undefined;
  /** While `loadShedding()` sheds: since when, and how many requests it has shed since. */
  shedding: { since: number; shed: number } | undefined;
  /** Since when traffic is refused, while it is. */
  refusingSince: number | undefined;
  /** Where changes are logged: the first mount's logger; the console until one comes. */
  logger: HealthLogger | undefined;

  constructor(settings: AvailabilitySettings) {
    this.#settings = settings;
  }

  get state(): AvailabilityState {
    const held = this.startupHold;
    return Object.freeze({
      readiness: this.#readiness(),
      liveness: this.#broken === undefined ? 'CORRECT' : 'BROKEN',
      startup: this.#startup(),
      reasons: Object.freeze({
        readiness: Object.freeze([...new Set(this.#refusals.values())]),
        liveness: Object.freeze(this.#broken === undefined ? [] : [this.#broken]),
        startup: Object.freeze(held === undefined ? [] : [held.reason]),
      }),
    });
  }

  /** The reasons of the refusals the app made (and `loadShedding()`), the drain's left out. */
  get appRefusals(): readonly string[] {
    // Asked by every readiness probe: nothing made when nothing refuses.
    if (this.#refusals.size === 0) return NO_REASONS;
    return [...new Set([...this.#refusals].filter(([token]) => !this.#lasting.has(token)).map(([, r]) => r))];
  }

  /** The last changes, newest first (the status page's history). */
  get changes(): readonly AvailabilityChange[] {
    return [...this.#changes].reverse();
  }

  /**
   * Whether startup waits for a block, or failed, in the words the probes answer with: what they say before
   * they run the startup checks.
   */
  get startupHold(): { readonly status: 'STARTING' | 'STARTUP_FAILED'; readonly reason: string } | undefined {
    if (this.#failure !== undefined) return { status: 'STARTUP_FAILED', reason: this.#failure };
    if (this.#blocks.size === 0) return undefined;
    const waiting = [...this.#blocks.values()].filter(({ state }) => state === 'waiting');
    if (waiting.length === 0) return undefined;
    return { status: 'STARTING', reason: `waiting for: ${waiting.map(({ name }) => name).join(', ')}` };
  }

  refuseTraffic(reason: string): () => void {
    return this.refuse(validReason(reason, 'refuseTraffic()'));
  }

  /**
   * A refusal whose reason is valid already (the drain's, `loadShedding()`'s). A lasting one (the drain's)
   * is not released by `acceptTraffic()`.
   */
  refuse(reason: string, lasting = false): () => void {
    const token = Symbol(reason);
    if (lasting) this.#lasting.add(token);
    const before = this.#readiness();
    if (before === 'ACCEPTING') this.refusingSince = Date.now();
    this.#refusals.set(token, reason);
    this.#change('readiness', before, `refusing traffic: ${reason}`);
    return () => {
      if (!this.#refusals.has(token)) return;
      this.#refusals.delete(token);
      if (this.#refusals.size === 0) this.refusingSince = undefined;
      this.#change('readiness', 'REFUSING', `released: ${reason}`);
    };
  }

  acceptTraffic(): void {
    const released = [...this.#refusals].filter(([token]) => !this.#lasting.has(token));
    if (released.length === 0) return;
    for (const [token] of released) this.#refusals.delete(token);
    if (this.#refusals.size === 0) this.refusingSince = undefined;
    this.#change('readiness', 'REFUSING', `accepting traffic (released: ${released.map(([, r]) => r).join(', ')})`);
  }

  markBroken(reason: string): void {
    const line = validReason(reason, 'markBroken()');
    const before = this.#broken === undefined ? 'CORRECT' : 'BROKEN';
    this.#broken = line;
    this.#change('liveness', before, `broken: ${line}`);
  }

  markHealthy(): void {
    if (this.#broken === undefined) return;
    this.#broken = undefined;
    this.#change('liveness', 'BROKEN', 'marked healthy');
  }

  block(name: string, work: PromiseLike<unknown> | (() => PromiseLike<unknown>), options: BlockOptions = {}): void {
    const where = 'block()';
    const label = validReason(name, where, 'name');
    if (typeof work !== 'function' && !isThenable(work))
      throw optionError(where, 'work', 'a promise or a function that returns one', work);
    knownOptions(options, ['timeout'], where);
    const { timeout } = options;
    if (timeout !== undefined && !holdsTimer(timeout)) throw optionError(where, 'timeout', TIMER_MS, timeout);
    const block: Block = { name: label, state: 'waiting' };
    const before = this.#startup();
    // A name used twice waits for both: the second is told apart by a number.
    let key = label;
    for (let n = 2; this.#blocks.has(key); n++) key = `${label} (${n})`;
    this.#blocks.set(key, block);
    this.#change('startup', before, `waiting for: ${label}`);
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: string | undefined): void => {
      if (block.state !== 'waiting') return;
      clearTimeout(timer);
      const was = this.#startup();
      block.state = error === undefined ? 'done' : 'failed';
      if (error !== undefined) this.#failure ??= `${label} failed: ${error}`;
      this.#change('startup', was, error === undefined ? `${label} done` : `${label} failed: ${error}`);
      this.#advance();
    };
    if (timeout !== undefined) {
      timer = setTimeout(() => settle(`did not finish within ${timeout} ms`), timeout);
      timer.unref();
    }
    try {
      const promise = typeof work === 'function' ? work() : work;
      if (!isThenable(promise)) throw new TypeError(`the function returned ${typeof promise}, not a promise`);
      Promise.resolve(promise).then(
        () => settle(undefined),
        (error: unknown) => settle(messageOf(error)),
      );
    } catch (error) {
      settle(messageOf(error));
    }
  }

  whenReady(): Promise<void> {
    const startup = this.#startup();
    if (startup === 'STARTED') return Promise.resolve();
    if (startup === 'FAILED') return Promise.reject(new Error(`startup failed: ${this.#failure}`));
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#advance();
    return promise;
  }

  /**
   * How `whenReady()` gets the startup checks run when no probe comes: the first mount's run of them.
   * Without one, startup passes once the blocks have settled.
   */
  setStarter(starter: () => Promise<unknown>): void {
    this.#starter ??= starter;
  }

  /** Startup's checks passed (a probe saw them): tells `whenReady()`'s waiters, and logs the change. */
  checksPassed(): void {
    if (this.#startup() !== 'STARTED') return;
    this.#change('startup', 'STARTING', 'the startup checks passed');
    this.#advance();
  }

  #readiness(): Readiness {
    return this.#refusals.size > 0 ? 'REFUSING' : 'ACCEPTING';
  }

  #startup(): Startup {
    if (this.#failure !== undefined) return 'FAILED';
    for (const block of this.#blocks.values()) if (block.state === 'waiting') return 'STARTING';
    return this.#starter === undefined || this.#settings.checksStarted() ? 'STARTED' : 'STARTING';
  }

  /** Settles `whenReady()`'s waiters, or runs the startup checks (once a second) while they wait. */
  #advance(): void {
    if (this.#waiters.length === 0) return;
    const startup = this.#startup();
    if (startup !== 'STARTING') {
      const waiters = this.#waiters;
      this.#waiters = [];
      clearTimeout(this.#poll);
      this.#poll = undefined;
      const failure = new Error(`startup failed: ${this.#failure}`);
      for (const { resolve, reject } of waiters) startup === 'STARTED' ? resolve() : reject(failure);
      return;
    }
    if (this.startupHold !== undefined || this.#starter === undefined || this.#poll !== undefined) return;
    const starter = this.#starter;
    const attempt = (): void => {
      void starter().then(
        () => this.#retry(attempt),
        () => this.#retry(attempt),
      );
    };
    this.#poll = setTimeout(attempt, 0);
    this.#poll.unref();
  }

  #retry(attempt: () => void): void {
    this.#poll = undefined;
    if (this.#waiters.length === 0) return;
    if (this.#startup() !== 'STARTING' || this.startupHold !== undefined) return this.#advance();
    this.#poll = setTimeout(attempt, 1000);
    this.#poll.unref();
  }

  /** Records a change: emitted on the bus, logged once, kept for the status page. */
  #change(kind: AvailabilityChange['kind'], before: string, reason: string): void {
    const after =
      kind === 'readiness'
        ? this.#readiness()
        : kind === 'liveness'
          ? this.#broken
            ? 'BROKEN'
            : 'CORRECT'
          : this.#startup();
    this.record({ kind, before, after, reason, at: Date.now() });
  }

  /** Records a change of any kind (`loadShedding()`'s too): emitted on the bus, logged once, kept. */
  record(change: AvailabilityChange): void {
    const frozen = Object.freeze(change);
    this.#changes.push(frozen);
    if (this.#changes.length > MAX_CHANGES) this.#changes.shift();
    const { logger } = this;
    const line = `koa-health: ${change.kind} ${change.before === change.after ? change.after : `${change.before} → ${change.after}`} (${change.reason})`;
    const fields = { availability: change.kind, before: change.before, after: change.after, reason: change.reason };
    const good =
      change.after === 'ACCEPTING' ||
      change.after === 'CORRECT' ||
      change.after === 'STARTED' ||
      change.after === 'ADMITTING';
    if (logger === undefined) console[good ? 'info' : 'warn'](line);
    else logger[good ? 'info' : 'warn'](line, fields);
    try {
      this.#settings.emit(frozen);
    } catch (error) {
      (logger ?? console).error(`koa-health: an 'availability' listener threw: ${messageOf(error)}`);
    }
  }
}
