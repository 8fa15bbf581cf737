import type { Answer } from './report.js';

/** draft-inadarei-api-health-check: `status` pass/warn/fail, consistent with the status code, and `checks` by name. */
export function healthJsonBody({ state, statusCode, result, details }: Answer): object {
  // The draft requires fail to go out as 4xx/5xx and pass/warn as 2xx/3xx: follow the code actually sent.
  const status = statusCode >= 400 ? 'fail' : state === 'OK' ? 'pass' : 'warn';
  const body: Record<string, unknown> = { status };
  if (state === 'MAINTENANCE' || state === 'STARTING' || state === 'SHUTTING_DOWN')
    body.output = state.toLowerCase().replace('_', ' ');
  if (details && result) {
    const checks = Object.create(null) as Record<string, object[]>;
    for (const check of result.checks) {
      const checkStatus = check.status === 'OK' ? 'pass' : check.status === 'WARN' ? 'warn' : 'fail';
      const observed = pick(check.details, ['observedValue', 'observedUnit', 'componentType', 'componentId']);
      checks[check.name] = [
        {
          status: checkStatus,
          time: new Date(check.startedAt + check.duration).toISOString(),
          ...observed,
          // The draft says output should be left out when the check passes.
          ...(checkStatus !== 'pass' && check.message ? { output: check.message } : {}),
        },
      ];
    }
    body.checks = checks;
  }
  return body;
}

function pick(source: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (source) for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
