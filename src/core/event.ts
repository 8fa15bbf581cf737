import type { CheckFunction, CheckOptions, CheckResult } from './check.js';
import { messageOf } from './json-safe.js';
import { RunRecorder } from './recorder.js';
import type { Selection } from './selection.js';
import type { CheckStatus, RunStatus } from './status.js';

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
    return this.#recorder.wants(nameOf(name), options);
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

/** A name as text, whatever a subscriber passed. */
function nameOf(name: unknown): string {
  return typeof name === 'string' ? name : messageOf(name);
}
