import type { Selection } from './selection.js';

/** A check's status: `'OK'` passes, `'WARN'` passes but is shown, anything else fails. */
export type CheckStatus = 'OK' | 'WARN' | 'ERROR' | (string & {});

/** The overall status of a run. */
export type HealthStatus = 'OK' | 'WARN' | 'ERROR';

/** One reported outcome. */
export interface CheckResult {
  /** The name the check reported under. */
  readonly name: string;
  /** `'OK'`, `'WARN'`, or any other word for a failure. */
  readonly status: CheckStatus;
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
  /** Extra fields a report carried (panopticon's `queued_jobs`, or `observedValue`/`observedUnit`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** What a check function may return: `false` fails, a string is the message, anything else passes. */
export type CheckOutcome = boolean | string | void | undefined | null | object;

/** A check: gets a signal that aborts at its deadline; may be sync or async. */
export type CheckFunction = (signal: AbortSignal) => CheckOutcome | PromiseLike<CheckOutcome>;

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

/** Something the run waits for; expired at the deadline if still pending. */
interface Pending {
  readonly kind: 'check' | 'subscriber';
  readonly done: Promise<void>;
  expire(): void;
}

/** What the runner does to an event; not part of the public API. */
export interface RunControl {
  /** Waits for a subscriber's promise; a rejection or the deadline fails it under `name`. */
  track(name: string, promise: PromiseLike<unknown>): void;
  /** Records a failed result, for a subscriber that threw. */
  fail(name: string, error: unknown): void;
  /** Resolves once nothing is pending. */
  settled(): Promise<void>;
  /** Fails whatever of that kind is still pending. */
  expire(kind: 'check' | 'subscriber'): void;
  /** Ignores every report from now on. */
  close(): void;
  /** Every name seen so far, with its tags. */
  known(): ReadonlyMap<string, KnownCheck>;
}

let control: (event: HealthCheckEvent) => RunControl;

/** The runner's handle on an event. */
export function controlOf(event: HealthCheckEvent): RunControl {
  return control(event);
}

const NO_TAGS: readonly string[] = Object.freeze([]);
const REPORTED: KnownCheck = Object.freeze({ tags: NO_TAGS, default: true });

/** Turns anything thrown into a short message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : String(error);
}

/**
 * Emitted on the bus as `'healthcheck'` when a request asks for application checks.
 * Subscribers call `report()` or `check()` on it, as many times as they have checks.
 */
export class HealthCheckEvent {
  /** When the run started, ms since the epoch. */
  readonly startedAt: number = Date.now();
  /** The run's deadline in ms. */
  readonly timeout: number;
  readonly #selection: Selection;
  readonly #started = performance.now();
  readonly #results = new Map<string, CheckResult>();
  // Results are listed in the order their names first appeared, however long each check took.
  readonly #order = new Map<string, number>();
  readonly #known = new Map<string, KnownCheck>();
  readonly #pending = new Set<Pending>();
  #closed = false;

  /**
   * @param selection which checks the request asked for (`Selection.all` runs everything)
   * @param timeout the run's deadline in ms
   */
  constructor(selection: Selection, timeout: number) {
    this.#selection = selection;
    this.timeout = timeout;
  }

  /**
   * Whether the request asked for this check; a subscriber can skip its work when not.
   * Also records the name as existing, for the "unknown check" answer.
   */
  wants(name: string, options: CheckOptions = {}): boolean {
    const known = this.#remember(name, options);
    return this.#selection.includes(name, known);
  }

  /**
   * Records an outcome. `'OK'` passes, `'WARN'` passes but shows, anything else fails.
   * `details` are extra fields shown with the result in the JSON formats.
   * A later report of the same name replaces the earlier one; reports after the deadline are ignored.
   */
  report(name: string, status: CheckStatus, message = '', details?: Readonly<Record<string, unknown>>): void {
    if (this.wants(name)) this.#recordSinceStart(name, status, message, details);
  }

  /**
   * Runs `fn` as the check `name`, unless the request did not ask for it.
   * Resolving passes (a string becomes the message), resolving to `false` or throwing fails,
   * and not settling by the deadline fails with "timed out after N ms" and aborts `signal`.
   * The returned promise never rejects.
   */
  check(name: string, fn: CheckFunction, options: CheckOptions = {}): Promise<void> {
    // After the deadline nobody waits for the answer: do not start the work.
    if (!this.wants(name, options) || this.#closed) return Promise.resolve();
    const { critical = true, tags = NO_TAGS, timeout } = options;
    const startedAt = Date.now();
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let settle!: () => void;
    const pending: Pending = {
      kind: 'check',
      done: new Promise<void>((resolve) => (settle = resolve)),
      expire: () => finish('ERROR', `timed out after ${timeout ?? this.timeout} ms`),
    };
    const finish = (status: CheckStatus, message: string): void => {
      if (!this.#pending.delete(pending)) return;
      if (timer) clearTimeout(timer);
      if (status !== 'OK') controller.abort(new Error(message));
      this.#record({ name, status, message, startedAt, duration: performance.now() - started, critical, tags, details: undefined });
      settle();
    };
    this.#pending.add(pending);
    if (timeout !== undefined && timeout < this.timeout) timer = setTimeout(pending.expire, timeout);
    try {
      Promise.resolve(fn(controller.signal)).then(
        (outcome) => finish(...judge(outcome)),
        (error: unknown) => finish('ERROR', messageOf(error)),
      );
    } catch (error) {
      finish('ERROR', messageOf(error));
    }
    return pending.done;
  }

  /** The results so far, in the order their checks were first registered or reported. */
  get checks(): readonly CheckResult[] {
    const position = (name: string): number => this.#order.get(name) ?? Infinity;
    return [...this.#results.values()].sort((a, b) => position(a.name) - position(b.name));
  }

  /** `'ERROR'` if any critical check failed, else `'WARN'` if any warned, else `'OK'`. */
  get status(): HealthStatus {
    return overallStatus(this.#results.values());
  }

  static {
    control = (event) => ({
      track: (name, promise) => event.#track(name, promise),
      fail: (name, error) => event.#fault(name, messageOf(error)),
      settled: () => event.#settled(),
      expire: (kind) => {
        for (const pending of [...event.#pending]) if (pending.kind === kind) pending.expire();
      },
      close: () => void (event.#closed = true),
      known: () => event.#known,
    });
  }

  #track(name: string, promise: PromiseLike<unknown>): void {
    const pending: Pending = {
      kind: 'subscriber',
      done: Promise.resolve(promise).then(
        () => void this.#pending.delete(pending),
        (error: unknown) => this.#fail(pending, name, messageOf(error)),
      ),
      expire: () => this.#fail(pending, name, `did not finish within ${this.timeout} ms`),
    };
    this.#pending.add(pending);
  }

  /** Resolves once nothing is pending (a check may start more checks). */
  async #settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending].map((pending) => pending.done));
  }

  #elapsed(): number {
    return performance.now() - this.#started;
  }

  #fail(pending: Pending, name: string, message: string): void {
    if (!this.#pending.delete(pending)) return;
    this.#fault(name, message);
  }

  /** A subscriber's own failure. */
  #fault(name: string, message: string): void {
    this.#recordSinceStart(name, 'ERROR', message, undefined);
  }

  /** A result with no check of its own to time (reports, subscriber failures): critical, untagged, timed from the start of the run. */
  #recordSinceStart(name: string, status: CheckStatus, message: string, details: CheckResult['details']): void {
    this.#record({ name, status, message, startedAt: this.startedAt, duration: this.#elapsed(), critical: true, tags: NO_TAGS, details });
  }

  #remember(name: string, { tags, default: isDefault }: CheckOptions): KnownCheck {
    this.#place(name);
    // A bare name (a report, or wants() without options) keeps what a registration said about it.
    const bare = tags === undefined && isDefault === undefined;
    const existing = this.#known.get(name);
    if (bare && existing) return existing;
    const known = bare ? REPORTED : Object.freeze({ tags: Object.freeze([...(tags ?? NO_TAGS)]), default: isDefault ?? true });
    this.#known.set(name, known);
    return known;
  }

  /** Gives a name its place in the results, the first time it appears. */
  #place(name: string): void {
    if (!this.#order.has(name)) this.#order.set(name, this.#order.size);
  }

  #record(result: CheckResult): void {
    if (this.#closed) return;
    const { name, status, critical } = result;
    this.#place(name);
    // A non-critical failure is shown but keeps the instance in rotation.
    this.#results.set(name, Object.freeze(critical || status === 'OK' ? result : { ...result, status: 'WARN' }));
  }
}

/** `'ERROR'` if any result failed, else `'WARN'` if any warned, else `'OK'` (also for none). */
export function overallStatus(checks: Iterable<CheckResult>): HealthStatus {
  let status: HealthStatus = 'OK';
  for (const { status: checkStatus } of checks) {
    if (checkStatus === 'OK') continue;
    if (checkStatus !== 'WARN') return 'ERROR';
    status = 'WARN';
  }
  return status;
}

/** What a check function's outcome means. */
function judge(outcome: CheckOutcome): [CheckStatus, string] {
  if (outcome === false) return ['ERROR', 'check returned false'];
  return ['OK', typeof outcome === 'string' ? outcome : ''];
}
