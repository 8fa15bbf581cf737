import type { Context } from 'koa';
import type { CheckResult } from './event.js';
import type { HealthResult } from './result.js';

/** What an answer says overall. */
export type HealthState = 'OK' | 'WARN' | 'ERROR' | 'MAINTENANCE';

/** Everything a format needs to write an answer. */
export interface HealthReport {
  /** The overall state. */
  readonly state: HealthState;
  /** The HTTP status the answer goes out with. */
  readonly statusCode: number;
  /** The run behind the answer; `undefined` when no checks ran (bare request, maintenance). */
  readonly result: HealthResult | undefined;
  /** Whether the caller may see each check's details; without, only the overall state is shown. */
  readonly details: boolean;
}

/** The built-in formats, by `?format=` name. */
export type FormatName = 'text' | 'json' | 'health+json';

/** Writes an answer's body: a string goes out as text, an object as JSON (set `ctx.type` to change that). */
export type CustomFormat = (report: HealthReport, ctx: Context) => unknown;

/** Media types of the built-in formats, in order of preference when the client has none. */
export const MEDIA_TYPES: Readonly<Record<FormatName, string>> = Object.freeze({
  text: 'text/plain',
  json: 'application/json',
  'health+json': 'application/health+json',
});

const FORMAT_NAMES = Object.keys(MEDIA_TYPES) as FormatName[];
const MEDIA_LIST = Object.values(MEDIA_TYPES);

/**
 * The format a request asks for: `?format=` first, then `Accept`; `undefined` when none fits (406).
 * A missing or `*\/*` Accept costs no parsing.
 */
export function negotiate(ctx: Context, formatParameter: string | undefined): FormatName | undefined {
  if (formatParameter !== undefined) {
    return FORMAT_NAMES.includes(formatParameter as FormatName) ? formatParameter as FormatName : undefined;
  }
  const { accept } = ctx.req.headers;
  if (accept === undefined || accept === '*/*' || accept === '') return 'text';
  const type = ctx.accepts(MEDIA_LIST);
  return type === false ? undefined : FORMAT_NAMES[MEDIA_LIST.indexOf(type as string)];
}

/** Answers a short text body: the endpoints' own statuses and their 4xx messages. */
export function replyText(ctx: Context, status: number, body: string): void {
  ctx.response.status = status;
  ctx.res.setHeader('Content-Type', TEXT);
  ctx.response.body = body;
}

/** The text media type with its charset, as every text answer is sent. */
export const TEXT = 'text/plain; charset=utf-8';

/** pyramid_health's bare words: `OK` (for WARN too), `MAINTENANCE`, `ERROR`. */
export function textBody({ state }: HealthReport): string {
  return state === 'WARN' ? 'OK' : state;
}

/** panopticon's shape: `service_healthy`, `status`, `timestamp` and `components` with response times in seconds. */
export function jsonBody({ state, result, details }: HealthReport): object {
  const components: Record<string, object> = {};
  if (details && result) {
    for (const check of result.checks) {
      components[check.name] = {
        ...check.details,
        healthy: passes(check),
        status: check.status,
        status_message: check.message,
        response_time: seconds(check.duration),
      };
    }
  }
  return {
    service_healthy: state === 'OK' || state === 'WARN',
    status: state,
    timestamp: new Date(result ? result.startedAt + result.duration : Date.now()).toISOString(),
    components,
  };
}

/** draft-inadarei-api-health-check: `status` pass/warn/fail, consistent with the status code, and `checks` by name. */
export function healthJsonBody({ state, statusCode, result, details }: HealthReport): object {
  // The draft requires fail to go out as 4xx/5xx and pass/warn as 2xx/3xx: follow the code actually sent.
  const status = statusCode >= 400 ? 'fail' : state === 'OK' ? 'pass' : 'warn';
  const body: Record<string, unknown> = { status };
  if (state === 'MAINTENANCE') body.output = 'maintenance';
  if (details && result) {
    const checks: Record<string, object[]> = {};
    for (const check of result.checks) {
      const checkStatus = check.status === 'OK' ? 'pass' : check.status === 'WARN' ? 'warn' : 'fail';
      const observed = pick(check.details, ['observedValue', 'observedUnit', 'componentType', 'componentId']);
      checks[check.name] = [{
        status: checkStatus,
        time: new Date(check.startedAt + check.duration).toISOString(),
        ...observed,
        // The draft says output should be left out when the check passes.
        ...(checkStatus !== 'pass' && check.message ? { output: check.message } : {}),
      }];
    }
    body.checks = checks;
  }
  return body;
}

function passes({ status }: CheckResult): boolean {
  return status === 'OK' || status === 'WARN';
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function pick(source: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (source) for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
