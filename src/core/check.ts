import type { CheckStatus } from './status.js';
import { timerLimitProblem } from './validate.js';

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

/** What a check function may return: an `outcome()`, `false` to fail, a string as the message; anything else passes. */
export type CheckOutcome = boolean | string | void | undefined | null | object;

/**
 * A check: gets a signal that aborts at its deadline or its failure (shared with the run's other
 * functions that name no parameter, and aborted at the deadline only); may be sync or async.
 */
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

/** What is wrong with a check's options, if anything (they come from a subscriber: anything may arrive). */
export function checkOptionsProblem(
  options: unknown,
  timerProblem: (ms: unknown) => string | undefined = timerLimitProblem,
): string | undefined {
  if (typeof options !== 'object' || options === null) return 'options must be an object';
  const { critical, tags, default: isDefault, timeout } = options as Record<string, unknown>;
  if (critical !== undefined && typeof critical !== 'boolean') return '"critical" must be true or false';
  if (isDefault !== undefined && typeof isDefault !== 'boolean') return '"default" must be true or false';
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    return '"tags" must be a list of strings';
  }
  const problem = timeout === undefined ? undefined : timerProblem(timeout);
  return problem === undefined ? undefined : `"timeout" ${problem}`;
}
