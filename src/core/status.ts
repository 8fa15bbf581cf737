/** A check's status as reported: `'OK'` passes, `'WARN'` passes but is shown, any other word fails. */
export type CheckStatus = 'OK' | 'WARN' | 'ERROR' | (string & {});

/** The overall status of a run: `'ERROR'` if a critical check failed, `'WARN'` if one warned, else `'OK'`. */
export type RunStatus = 'OK' | 'WARN' | 'ERROR';

/**
 * The overall status of a run.
 * @deprecated renamed `RunStatus`
 */
export type HealthStatus = RunStatus;

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
