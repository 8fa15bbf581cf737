import type { CheckStatus } from './status.js';

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
