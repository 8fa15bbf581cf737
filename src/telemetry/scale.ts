import type { CheckStatus } from '../core/index.js';

/** A status on ASP.NET's scale, as the gauges carry it: 2 OK, 1 WARN, 0 anything else (a failure). */
export function statusValue(status: CheckStatus): 2 | 1 | 0 {
  return status === 'OK' ? 2 : status === 'WARN' ? 1 : 0;
}

/** A status as a label: `ok`, `warn`, or `error` for every word of failure. */
export function statusLabel(status: CheckStatus): 'ok' | 'warn' | 'error' {
  return status === 'OK' ? 'ok' : status === 'WARN' ? 'warn' : 'error';
}
