import { hostname } from 'node:os';
import { passes } from '../core/index.js';
import type { Answer } from './report.js';

/** One object: `service_healthy`, `status`, `timestamp` and `components` with response times in seconds. */
export function jsonBody({ state, result, details, available }: Answer): object {
  // No prototype: every name that passes validation is a key, `__proto__` and `constructor` included.
  const components = Object.create(null) as Record<string, object>;
  if (details && result) {
    for (const check of result.checks) {
      components[check.name] = {
        ...check.details,
        healthy: passes(check.status),
        status: check.status,
        status_message: check.message,
        // Measured, unless the check gave its own.
        response_time: check.details?.response_time ?? seconds(check.duration),
      };
    }
  }
  return {
    service_healthy: state === 'OK' || state === 'WARN',
    status: state,
    timestamp: new Date(result ? result.startedAt + result.duration : Date.now()).toISOString(),
    components,
    // The checks there are, and the host: for those who may see details.
    ...(available === undefined ? {} : { available_checks: available, hostname: hostname() }),
  };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
