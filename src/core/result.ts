import type { CheckResult } from './check.js';
import { logText } from './json-safe.js';
import type { CheckStatus, RunStatus } from './status.js';

/** The collated outcome of one run of the application checks. */
export interface HealthResult {
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
  readonly result: HealthResult;
}

/** `name=STATUS "message"` for each result, as pyramid_health logs them; nothing in it can break the line. */
export function describeChecks(checks: readonly CheckResult[]): string {
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
