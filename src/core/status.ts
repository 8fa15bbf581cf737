/** A check's status as reported: `'OK'` passes, `'WARN'` passes but is shown, any other word fails. */
export type CheckStatus = 'OK' | 'WARN' | 'ERROR' | (string & {});

/** The overall status of a run: `'ERROR'` if a critical check failed, `'WARN'` if one warned, else `'OK'`. */
export type RunStatus = 'OK' | 'WARN' | 'ERROR';

/**
 * The overall status of a run.
 * @deprecated renamed `RunStatus`
 */
export type HealthStatus = RunStatus;

/** Whether a status passes: `'OK'`, or `'WARN'` (shown, but healthy). Any other word is a failure. */
export function passes(status: CheckStatus): boolean {
  return status === 'OK' || status === 'WARN';
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
