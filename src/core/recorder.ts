import { jsonSafe, messageOf } from './json-safe.js';
import { callObserved } from './observe.js';
import type { Selection } from './selection.js';
import {
  type CheckFunction,
  type CheckOptions,
  type CheckResult,
  type CheckReturn,
  type CheckStatus,
  isOutcome,
  isThenable,
  type KnownCheck,
  overallStatus,
  passes,
  type RunObserver,
  type RunStatus,
} from './types.js';
import { checkOptionsProblem } from './validate.js';

/**
 * One run as it is recorded: the `HealthCheckEvent` subscribers see, and the recorder behind it that keeps
 * results, names and pending work; each check function is called through the run's observers
 * (`observe.ts`), and what it returns is judged here.
 */

/** Something the run waits for; expired at the deadline if still pending. */
interface Pending {
  readonly kind: 'check' | 'subscriber';
  readonly done: Promise<void>;
  expire(): void;
}

const NO_TAGS: readonly string[] = Object.freeze([]);
const REPORTED: KnownCheck = Object.freeze({ tags: NO_TAGS, default: true });

/**
 * Everything one run records: results, the names it has seen, and the work still pending. The runner
 * owns it; subscribers reach it through the `HealthCheckEvent` in front of it.
 */
export class RunRecorder {
  /** When the run started, ms since the epoch. */
  readonly startedAt: number = Date.now();
  readonly #started = performance.now();
  readonly #results = new Map<string, CheckResult>();
  // Results are listed in the order their names first appeared, however long each check took.
  readonly #order = new Map<string, number>();
  readonly #known = new Map<string, KnownCheck>();
  readonly #pending = new Set<Pending>();
  readonly #called = new Set<string>();
  /** Names that a second check function was given under in this run (a module imported twice): not called. */
  readonly duplicates = new Set<string>();
  /** Names whose result was made before this run (`borrow()`): the rules over time have counted it already. */
  readonly borrowed = new Set<string>();
  // The signal shared by the check functions that take none of their own.
  #deadline: AbortController | undefined;
  #closed = false;

  /**
   * @param selection which checks the run asks for
   * @param timeout the run's deadline in ms
   */
  constructor(
    readonly selection: Selection,
    readonly timeout: number,
    /** The run's observers (telemetry), around each check function call. */
    readonly observers: readonly RunObserver[] = [],
    /** The signal shared by functions that take none of their own, if the caller keeps one across runs. */
    deadline?: AbortController,
  ) {
    this.#deadline = deadline;
  }

  /**
   * Records the name as known (with its tags and `default`, for selections and the "unknown check" answer),
   * and says whether the run includes it. A finished run includes nothing more and learns no more names.
   */
  enlist(name: string, options: CheckOptions = {}): boolean {
    return this.enlistChecked(name, validOrNone(options));
  }

  /** `enlist()` for options already checked (a registered check's). */
  enlistChecked(name: string, options: CheckOptions): boolean {
    if (this.#closed) return false;
    return this.selection.includes(name, this.#remember(name, options));
  }

  /** Records a reported outcome, if the run asks for it; whatever a caller hands over is made safe to show. */
  report(name: string, status: CheckStatus, message: unknown, details: unknown): void {
    if (this.enlist(name)) this.#recordSinceStart(name, statusOf(status), textOf(message), detailsOf(details));
  }

  /**
   * Runs a check function under its deadline and records its outcome; the promise never rejects.
   * @param checked the options were checked already (a registered check's, when it was registered)
   */
  check(name: string, fn: CheckFunction, options: CheckOptions, checked = false): Promise<void> {
    // The options are checked once: a problem fails the check; only a timeout timers cannot hold leaves the tags readable.
    const problem = checked ? undefined : checkOptionsProblem(options);
    const readable = problem === undefined || checkOptionsProblem(options, false) === undefined;
    // After the deadline nobody waits for the answer: do not start the work.
    if (!this.#takes(name, readable ? options : {})) return Promise.resolve();
    if (problem !== undefined) {
      this.#recordSinceStart(name, 'ERROR', `invalid check options: ${problem}`, undefined);
      return Promise.resolve();
    }
    const { critical = true, tags = NO_TAGS, timeout } = options;
    const startedAt = Date.now();
    const started = performance.now();
    // Node 20 builds each AbortSignal in microseconds: a function that names no parameter cannot use a
    // signal of its own, and shares the run's, aborted when the run's deadline fails it.
    const own = fn.length > 0 || timeout !== undefined;
    if (!own) this.#deadline ??= new AbortController();
    const controller = own ? new AbortController() : this.#deadline!;
    let timer: NodeJS.Timeout | undefined;
    let settle!: () => void;
    const pending: Pending = {
      kind: 'check',
      done: new Promise<void>((resolve) => (settle = resolve)),
      expire: () => finish('ERROR', `timed out after ${timeout ?? this.timeout} ms`, undefined, true),
    };
    let ended: ((result: CheckResult) => void) | undefined;
    const finish = (status: CheckStatus, message: string, details?: unknown, timedOut = false): void => {
      if (!this.#pending.delete(pending)) return;
      if (timer) clearTimeout(timer);
      if (status !== 'OK' && (own || timedOut)) controller.abort(new Error(message));
      const duration = performance.now() - started;
      const result = this.#record({
        name,
        status,
        message,
        startedAt,
        duration,
        critical,
        tags,
        details: detailsOf(details),
      });
      if (result) ended?.(result);
      settle();
    };
    this.#pending.add(pending);
    if (timeout !== undefined && timeout < this.timeout) timer = setTimeout(pending.expire, timeout);
    const call = callObserved(this.observers, { name, critical, tags }, () => fn(controller.signal));
    ended = call.ended;
    if (call.thrown) finish('ERROR', messageOf(call.thrown.error));
    else {
      try {
        Promise.resolve(call.returned as CheckReturn | PromiseLike<CheckReturn>).then(
          (outcome) => finish(...judge(outcome)),
          (error: unknown) => finish('ERROR', messageOf(error)),
        );
      } catch (error) {
        // A thenable whose `then` getter throws.
        finish('ERROR', messageOf(error));
      }
    }
    return pending.done;
  }

  /**
   * Records a result made before this run (a scheduled check's last, a check's own cache) instead of
   * calling its function; a promise of one (a scheduled check's first run) is waited for until the deadline.
   * Such results are the rules' already: `borrowed` tells the runner not to count them again.
   */
  borrow(name: string, options: CheckOptions, made: CheckResult | PromiseLike<CheckResult>): Promise<void> {
    if (!this.#takes(name, options)) return Promise.resolve();
    const keep = (result: CheckResult): void => {
      if (this.#closed) return;
      this.#place(name);
      this.#results.set(name, result);
      this.borrowed.add(name);
    };
    if (!isThenable(made)) {
      keep(made);
      return Promise.resolve();
    }
    const startedAt = Date.now();
    const started = performance.now();
    let settle!: () => void;
    const pending: Pending = {
      kind: 'check',
      done: new Promise<void>((resolve) => (settle = resolve)),
      expire: () => {
        if (!this.#pending.delete(pending)) return;
        this.#record({
          name,
          status: 'ERROR',
          message: `timed out after ${this.timeout} ms waiting for the first scheduled run`,
          startedAt,
          duration: performance.now() - started,
          critical: options.critical ?? true,
          tags: options.tags ?? NO_TAGS,
          details: undefined,
        });
        settle();
      },
    };
    this.#pending.add(pending);
    Promise.resolve(made).then((result) => {
      if (!this.#pending.delete(pending)) return;
      keep(result);
      settle();
    }, pending.expire);
    return pending.done;
  }

  /**
   * Whether the run takes a check under `name` now: it asks for it, and no function has been given under
   * that name in this run yet (the first registration runs: subscribers run in the order they subscribed).
   */
  #takes(name: string, options: CheckOptions): boolean {
    if (!this.enlistChecked(name, options)) return false;
    if (this.#called.has(name)) {
      this.duplicates.add(name);
      return false;
    }
    this.#called.add(name);
    return true;
  }

  /** Waits for a subscriber's promise: a rejection, or still pending at the deadline, fails it under `name`. */
  trackSubscriber(name: string, promise: PromiseLike<unknown>): void {
    const pending: Pending = {
      kind: 'subscriber',
      done: Promise.resolve(promise).then(
        () => void this.#pending.delete(pending),
        (error: unknown) => this.#failPending(pending, name, messageOf(error)),
      ),
      expire: () => this.#failPending(pending, name, `did not finish within ${this.timeout} ms`),
    };
    this.#pending.add(pending);
  }

  /** Records the failure of a subscriber that threw. */
  subscriberThrew(name: string, error: unknown): void {
    this.#recordSinceStart(name, 'ERROR', messageOf(error), undefined);
  }

  /** Resolves once nothing is pending (a check may start more checks). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending].map((pending) => pending.done));
  }

  /** Fails whatever of that kind is still pending. */
  expire(kind: Pending['kind']): void {
    for (const pending of [...this.#pending]) if (pending.kind === kind) pending.expire();
  }

  /** Ignores every report, and every new name, from now on: a finished run does not change. */
  close(): void {
    this.#closed = true;
  }

  /** Every name seen so far, with how it was registered. */
  get known(): ReadonlyMap<string, KnownCheck> {
    return this.#known;
  }

  /** Fails each of these names that the run asks for and that did not report. */
  failSilent(names: readonly string[]): void {
    for (const name of names) {
      if (!this.#results.has(name) && this.enlist(name))
        this.#recordSinceStart(name, 'ERROR', 'did not report', undefined);
    }
  }

  /** Makes a name known, as a check that must report does before it has (`expect`). */
  expectName(name: string): void {
    this.#remember(name, {});
  }

  /** The result recorded under `name`, if any. */
  resultOf(name: string): CheckResult | undefined {
    return this.#results.get(name);
  }

  /** The results so far, in the order their checks were first registered or reported. */
  get checks(): readonly CheckResult[] {
    const position = (name: string): number => this.#order.get(name) ?? Infinity;
    return [...this.#results.values()].sort((a, b) => position(a.name) - position(b.name));
  }

  /** The overall status of the results so far. */
  get status(): RunStatus {
    return overallStatus(this.#results.values());
  }

  #failPending(pending: Pending, name: string, message: string): void {
    if (this.#pending.delete(pending)) this.#recordSinceStart(name, 'ERROR', message, undefined);
  }

  /** A result with no check of its own to time (reports, subscriber failures): critical, untagged, timed from the start of the run. */
  #recordSinceStart(name: string, status: CheckStatus, message: string, details: CheckResult['details']): void {
    const duration = performance.now() - this.#started;
    this.#record({
      name,
      status,
      message,
      startedAt: this.startedAt,
      duration,
      critical: true,
      tags: NO_TAGS,
      details,
    });
  }

  #remember(name: string, options: CheckOptions): KnownCheck {
    const { tags, default: isDefault } = options;
    this.#place(name);
    // A bare name (a report, or enlist() without options) keeps what a registration said about it.
    const bare = tags === undefined && isDefault === undefined;
    const existing = this.#known.get(name);
    if (bare && existing) return existing;
    const known = bare ? REPORTED : knownOf(options);
    this.#known.set(name, known);
    return known;
  }

  /** Gives a name its place in the results, the first time it appears. */
  #place(name: string): void {
    if (!this.#order.has(name)) this.#order.set(name, this.#order.size);
  }

  #record(given: Omit<CheckResult, 'observed' | 'since' | 'streak' | 'flapping'>): CheckResult | undefined {
    if (this.#closed) return undefined;
    const { name, status, critical, startedAt, duration } = given;
    this.#place(name);
    // A non-critical failure is shown but keeps the instance in rotation; the tracker fills in the rest over time.
    const recorded: CheckResult = Object.freeze({
      name,
      status: critical || passes(status) ? status : 'WARN',
      observed: status,
      since: startedAt + duration,
      streak: 1,
      flapping: false,
      message: given.message,
      duration,
      startedAt,
      critical,
      tags: given.tags,
      details: given.details,
    });
    this.#results.set(name, recorded);
    return recorded;
  }
}

// How each options object selects its check, made once per object: a registered check's options are the
// same object in every run.
const knownByOptions = new WeakMap<CheckOptions, KnownCheck>();

/** The tags and `default` of `options`, frozen: what a selection asks of a check. */
function knownOf(options: CheckOptions): KnownCheck {
  let known = knownByOptions.get(options);
  if (known === undefined) {
    const { tags, default: isDefault } = options;
    known = Object.freeze({ tags: Object.freeze([...(tags ?? NO_TAGS)]), default: isDefault ?? true });
    // Only frozen options can be trusted to stay as they were.
    if (Object.isFrozen(options)) knownByOptions.set(options, known);
  }
  return known;
}

/** What a check function's outcome means: `outcome()` says it all, `false` fails, a string is the message. */
function judge(outcome: CheckReturn): [CheckStatus, string, unknown] {
  if (isOutcome(outcome)) return [statusOf(outcome.status), textOf(outcome.message), outcome.details];
  if (outcome === false) return ['ERROR', 'check returned false', undefined];
  return ['OK', typeof outcome === 'string' ? outcome : '', undefined];
}

/** Options as given when they can be read, else none: a bad registration still makes its name known. */
function validOrNone(options: CheckOptions): CheckOptions {
  // A timeout timers cannot hold fails the check, but says nothing wrong about its tags.
  return checkOptionsProblem(options, false) === undefined ? options : {};
}

/** A reported status: a word; anything else is a failure. */
function statusOf(status: unknown): CheckStatus {
  return typeof status === 'string' && status !== '' ? status : 'ERROR';
}

/** A reported message as text, whatever it was. */
function textOf(message: unknown): string {
  return message === undefined || message === null ? '' : messageOf(message);
}

/** Reported details as a JSON-safe object (a BigInt, a cycle or a throwing getter cannot break an answer). */
function detailsOf(details: unknown): CheckResult['details'] {
  if (details === undefined || details === null) return undefined;
  const safe = jsonSafe(details);
  return typeof safe === 'object' && safe !== null && !Array.isArray(safe)
    ? Object.freeze(safe as Record<string, unknown>)
    : Object.freeze({ details: safe });
}

// The recorder behind an event, for checkRegistered(); `undefined` for anything else emitted as one.
let recorderOf: (event: object) => RunRecorder | undefined;

/**
 * Emitted on the bus as `'healthcheck'` when a request asks for application checks.
 * Subscribers call `report()` or `check()` on it, as many times as they have checks.
 * It is the public front of a run: what it is told, the run's recorder keeps.
 */
export class HealthCheckEvent {
  /** When the run started, ms since the epoch. */
  readonly startedAt: number;
  /** The run's deadline in ms. */
  readonly timeout: number;
  readonly #recorder: RunRecorder;

  static {
    recorderOf = (event) => (#recorder in event ? event.#recorder : undefined);
  }

  /**
   * @param selection which checks the request asked for (`Selection.all` runs everything)
   * @param timeout the run's deadline in ms
   */
  constructor(selection: Selection, timeout: number);
  /** @internal The runner's form: a front over the recorder it keeps. */
  constructor(recorder: RunRecorder);
  constructor(selectionOrRecorder: Selection | RunRecorder, timeout?: number) {
    this.#recorder =
      selectionOrRecorder instanceof RunRecorder
        ? selectionOrRecorder
        : new RunRecorder(selectionOrRecorder, timeout as number);
    this.startedAt = this.#recorder.startedAt;
    this.timeout = this.#recorder.timeout;
  }

  /**
   * Whether the request asked for this check; a subscriber can skip its work when not.
   * Also records the name as existing, for the "unknown check" answer.
   */
  wants(name: string, options: CheckOptions = {}): boolean {
    return this.#recorder.enlist(nameOf(name), options);
  }

  /**
   * Records an outcome. `'OK'` passes, `'WARN'` passes but shows, anything else fails.
   * `details` are extra fields shown with the result in the JSON formats.
   * A later report of the same name replaces the earlier one; reports after the deadline are ignored.
   */
  report(name: string, status: CheckStatus, message = '', details?: Readonly<Record<string, unknown>>): void {
    this.#recorder.report(nameOf(name), status, message, details);
  }

  /**
   * Runs `fn` as the check `name`, unless the request did not ask for it.
   * Resolving passes (a string becomes the message), resolving to `false` or throwing fails,
   * and not settling by the deadline fails with "timed out after N ms" and aborts `signal`.
   * The returned promise never rejects.
   */
  check(name: string, fn: CheckFunction, options: CheckOptions = {}): Promise<void> {
    if (typeof fn !== 'function') {
      this.#recorder.report(nameOf(name), 'ERROR', 'check() needs a function', undefined);
      return Promise.resolve();
    }
    return this.#recorder.check(nameOf(name), fn, options);
  }

  /** The results so far, in the order their checks were first registered or reported. */
  get checks(): readonly CheckResult[] {
    return this.#recorder.checks;
  }

  /** `'ERROR'` if any critical check failed, else `'WARN'` if any warned, else `'OK'`. */
  get status(): RunStatus {
    return this.#recorder.status;
  }
}

/**
 * Runs a registered check on the run behind `event`: its options were checked when it was registered, and
 * are not checked again. `made()` may give a result made before the run (a schedule's, a cache's) to take
 * instead of calling `fn`. Anything else emitted as a `'healthcheck'` event gets `event.check()`.
 */
export function checkRegistered(
  event: HealthCheckEvent,
  name: string,
  fn: CheckFunction,
  options: CheckOptions,
  made?: () => CheckResult | PromiseLike<CheckResult> | undefined,
): Promise<void> {
  const recorder = typeof event === 'object' && event !== null ? recorderOf(event) : undefined;
  if (recorder === undefined) return event.check(name, fn, options);
  // Asked for a result made before only when the run includes the check: asking may bring a first run forward.
  const ready = made !== undefined && recorder.enlistChecked(name, options) ? made() : undefined;
  return ready === undefined ? recorder.check(name, fn, options, true) : recorder.borrow(name, options, ready);
}

/** A name as text, whatever a subscriber passed. */
function nameOf(name: unknown): string {
  return typeof name === 'string' ? name : messageOf(name);
}
