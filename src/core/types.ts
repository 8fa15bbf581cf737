/**
 * The vocabulary of the engine, shared by every file of it: statuses and results, check functions, what they
 * may return (`outcome()`) and their options, what an instrumentation sees, the error family, the defaults,
 * two small map helpers and a span of time in words.
 */

/** A check's status as reported: `'OK'` passes, `'WARN'` passes but is shown, any other word fails. */
export type CheckStatus = 'OK' | 'WARN' | 'ERROR' | (string & {});

/** The overall status of a run: `'ERROR'` if a critical check failed, `'WARN'` if one warned, else `'OK'`. */
export type RunStatus = 'OK' | 'WARN' | 'ERROR';

/** Whether a status passes: `'OK'`, or `'WARN'` (shown, but healthy). Any other word is a failure. */
export function passes(status: CheckStatus): boolean {
  return status === 'OK' || status === 'WARN';
}

/** A status on ASP.NET's scale, as the gauges carry it: 2 OK, 1 WARN, 0 anything else (a failure). */
export function statusValue(status: CheckStatus): 2 | 1 | 0 {
  return status === 'OK' ? 2 : status === 'WARN' ? 1 : 0;
}

/** A status as a label: `ok`, `warn`, or `error` for every word of failure. */
export function statusLabel(status: CheckStatus): 'ok' | 'warn' | 'error' {
  return status === 'OK' ? 'ok' : status === 'WARN' ? 'warn' : 'error';
}

/** The names of the checks that failed, in their order. */
export function failingNames(checks: Iterable<{ readonly name: string; readonly status: CheckStatus }>): string[] {
  return [...checks].filter(({ status }) => !passes(status)).map(({ name }) => name);
}

/** `'ERROR'` if any result failed, else `'WARN'` if any warned, else `'OK'` (also for none). */
export function overallStatus(checks: Iterable<{ readonly status: CheckStatus }>): RunStatus {
  let status: RunStatus = 'OK';
  for (const { status: checkStatus } of checks) {
    if (checkStatus === 'OK') continue;
    if (checkStatus !== 'WARN') return 'ERROR';
    status = 'WARN';
  }
  return status;
}

/** One reported outcome. */
export interface CheckResult {
  /** The name the check reported under. */
  readonly name: string;
  /**
   * The effective status: what readiness and the HTTP answer use. `'OK'`, `'WARN'`, or any other word for a
   * failure; a non-critical check's failure is `'WARN'`, and `failAfter`, `recoverAfter` and flapping may
   * hold it apart from `observed`.
   */
  readonly status: CheckStatus;
  /** The status the check itself gave in this run, before `critical` and the rules over time. */
  readonly observed: CheckStatus;
  /** Since when the effective status has held, ms since the epoch. */
  readonly since: number;
  /** How many runs in a row (this one included) the check has observed this status. */
  readonly streak: number;
  /** Whether the check is flapping by its flapping rule: its status is then the rule's. */
  readonly flapping: boolean;
  /** Free text: why it failed, or what it saw. */
  readonly message: string;
  /** Milliseconds the check took (for `report()`, since the run started). */
  readonly duration: number;
  /** When the check started, ms since the epoch. */
  readonly startedAt: number;
  /** Whether a failure of this check fails the run. */
  readonly critical: boolean;
  /** The tags it was registered with. */
  readonly tags: readonly string[];
  /** Extra fields a report carried (`queued_jobs`, or `observedValue`/`observedUnit`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** What a check function may return: an `outcome()`, `false` to fail, a string as the message; anything else passes. */
export type CheckReturn = boolean | string | void | undefined | null | object;

/**
 * A check: gets a signal that aborts at its deadline or its failure (shared with the run's other
 * functions that name no parameter, and aborted at the deadline only); may be sync or async.
 */
export type CheckFunction = (signal: AbortSignal) => CheckReturn | PromiseLike<CheckReturn>;

const OUTCOME = Symbol.for('koa-health.outcome');

/** A check's status, message and details at once: what `outcome()` returns for a check function to return. */
export interface Outcome {
  readonly [OUTCOME]: true;
  readonly status: CheckStatus;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Lets a check function give a status, a message and details (`observedValue`, `observedUnit`, pool counters…)
 * at once: `return outcome('WARN', '85% full', { observedValue: 0.85, observedUnit: 'ratio' })`.
 * Plain return values keep their meaning (`false` fails, a string is the message, anything else passes).
 */
export function outcome(status: CheckStatus, message = '', details?: Readonly<Record<string, unknown>>): Outcome {
  return Object.freeze({ [OUTCOME]: true as const, status, message, details });
}

/** Whether a check function returned an `outcome()`. */
export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && (value as { [OUTCOME]?: unknown })[OUTCOME] === true;
}

/** How a check takes part in a run. */
export interface CheckOptions {
  /**
   * A failure counts as `'WARN'` (still healthy) when `false`.
   * @default true
   */
  critical?: boolean;
  /**
   * Groups the check can be selected by, as `?checks=@tag`.
   * @default []
   */
  tags?: readonly string[];
  /**
   * Whether `?checks=_defaults` runs it.
   * @default true
   */
  default?: boolean;
  /**
   * Deadline for this check in ms; the run's deadline still applies.
   * @default the run's timeout
   */
  timeout?: number;
}

/** A name the event has seen, with how it was registered. */
export interface KnownCheck {
  readonly tags: readonly string[];
  readonly default: boolean;
}

/** The collated outcome of one run of the application checks. */
export interface RunResult {
  /** `'ERROR'` if a critical check failed, `'WARN'` if one warned, else `'OK'`. */
  readonly status: RunStatus;
  /** Every result, in the order first reported. */
  readonly checks: readonly CheckResult[];
  /** When the run started, ms since the epoch. */
  readonly startedAt: number;
  /** How long the run took, in ms. */
  readonly duration: number;
  /** Which checks were asked for, as a canonical key (`'all|'` for everything). */
  readonly selection: string;
}

/** One check whose status differs from the previous run's. */
export interface CheckChange {
  readonly name: string;
  /** `undefined` the first time the check is seen. */
  readonly before: CheckStatus | undefined;
  readonly after: CheckStatus;
  readonly message: string;
}

/** Payload of `'healthchange'`: what changed since the previous run of the same selection. */
export interface HealthChange {
  /** The overall status before; `undefined` on the first run. */
  readonly before: RunStatus | undefined;
  readonly after: RunStatus;
  /** The checks whose status changed. */
  readonly checks: readonly CheckChange[];
  /** The run that brought the change. */
  readonly result: RunResult;
}

/** A check as an instrumentation sees it when the check function is called. */
export interface CheckCall {
  readonly name: string;
  readonly critical: boolean;
  readonly tags: readonly string[];
}

/** One run, as an instrumentation follows it; every member is optional. */
export interface RunObserver {
  /** A request waits for this run (the one that started it, or one that shares it), called in its context. */
  joined?(): void;
  /**
   * Wraps one check function call: call `call()` exactly once, in whatever context (a span's, say), and
   * return a function to hear the check's result (at its deadline, if it never settles).
   */
  check?(check: CheckCall, call: () => unknown): ((result: CheckResult) => void) | void;
  /** The run is over. */
  ended?(result: RunResult): void;
}

/** Telemetry's way into the engine: asked at the start of every run on its bus, in the context that starts it. */
export interface Instrumentation {
  runStarted(run: { readonly selection: string; readonly startedAt: number }): RunObserver | undefined;
}

/**
 * One family for every 4xx koa-health answers: the middleware answers a `HealthError` with its
 * `status` and `message`, and lets anything else pass through untouched.
 */
export class HealthError extends Error {
  override name = 'HealthError';

  /**
   * @param status the HTTP status the answer goes out with (4xx)
   * @param message a short text for the caller; it is sent as the body
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A selection that names no real check, or names one badly: answered with 400. */
export class SelectionError extends HealthError {
  override name = 'SelectionError';
  /** The names that did report, to help the caller. */
  readonly known: readonly string[];
  /** The message without the known names, for a caller who may not see them. */
  readonly brief: string;

  /**
   * @param message what is wrong, with the known names if any
   * @param known the names that did report
   * @param brief the message without the known names
   * @default brief the message
   */
  constructor(message: string, known: readonly string[] = [], brief = message) {
    super(400, message);
    this.known = known;
    this.brief = brief;
  }
}

/** A request the endpoint cannot answer as asked (a bad parameter or body): a 4xx with a short message. */
export class RequestError extends HealthError {
  override name = 'RequestError';
}

/** What a service says of itself (`health()`'s `service`): the health+json draft's fields. */
export interface ServiceInfo {
  /** The version of the service (`1.4.2`). */
  readonly version?: string;
  /** The release or build (`1.4.2-8e2f1c`, a commit). */
  readonly releaseId?: string;
  /** Which service this is (`orders-api`), told apart from others on a dashboard. */
  readonly serviceId?: string;
  /** What the service is, for people. */
  readonly description?: string;
}

/** The deadline of a run of the application checks, and of each environment section, in ms. */
export const DEFAULT_TIMEOUT = 5000;

/**
 * The value `map` keeps under `key`; the first time it is asked for, `make` makes it and the map keeps it.
 * For the one-per-bus, one-per-registry, one-per-socket things.
 */
export function entryOf<K, V>(
  map: { get(key: K): V | undefined; set(key: K, value: V): unknown },
  key: K,
  make: () => V,
): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * Sets `key` in a map that keeps at most `max` entries, dropping the oldest first. For maps whose keys
 * come from requests (query strings, selections): a client must not be able to grow them without end.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

/** Whether a value is a promise, or anything else with a `then` (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** A span of time as people read it: `450 ms`, `62 s`, `10 min`. */
export function spanOfTime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000 || ms % 60_000 !== 0) return `${Math.round(ms / 1000)} s`;
  return `${ms / 60_000} min`;
}
