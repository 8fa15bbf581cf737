/**
 * The answers' formats: what an answer holds (`Answer`), the three built-in formats (text, the bare
 * words load balancers match; json, a component per check; health+json, the IETF draft) and the
 * negotiation between them (`?format=`, then `Accept`). A new format is a function here and a row in
 * `FORMATS`.
 * @module
 */
import { hostname } from 'node:os';
import type { Context } from 'koa';
import { passes, type RunResult, type ServiceInfo } from '../core/index.js';

/**
 * What an answer says overall: a run's status, `'MAINTENANCE'` while the disable file exists, and for the
 * probes `'STARTING'` until startup has passed (`'STARTUP_FAILED'` when a block of it failed),
 * `'SHUTTING_DOWN'` while draining, `'REFUSING'` while the app refuses traffic and `'BROKEN'` once it
 * marked itself broken (`availability()`).
 */
export type AnswerStatus =
  | 'OK'
  | 'WARN'
  | 'ERROR'
  | 'MAINTENANCE'
  | 'STARTING'
  | 'STARTUP_FAILED'
  | 'SHUTTING_DOWN'
  | 'REFUSING'
  | 'BROKEN';

/** Everything a format needs to write an answer. */
export interface Answer {
  /** The overall status. */
  readonly status: AnswerStatus;
  /** The HTTP status the answer goes out with. */
  readonly statusCode: number;
  /** The run behind the answer; `undefined` when no checks ran (bare request, maintenance). */
  readonly result: RunResult | undefined;
  /** Whether the caller may see each check's details; without, only the overall state is shown. */
  readonly details: boolean;
  /** The check names known from the last run, sorted; `undefined` when the caller may not see details. */
  readonly available: readonly string[] | undefined;
  /**
   * Why the answer does not pass, when the app said so (`availability()`): a refusal's reason, the blocks
   * startup waits for; only for callers who may see details, and never an empty list.
   */
  readonly reasons?: readonly string[] | undefined;
  /** What the service says of itself (`health({ service })`): in every JSON answer. */
  readonly service?: ServiceInfo | undefined;
}

/** The built-in formats, by `?format=` name. */
export type FormatName = 'text' | 'json' | 'health+json';

/** Writes an answer's body: a string goes out as text, an object as JSON (set `ctx.type` to change that). */
export type CustomFormat = (report: Answer, ctx: Context) => unknown;

/** The text media type with its charset, as every text answer is sent. */
export const TEXT = 'text/plain; charset=utf-8';

/**
 * The bare words: `OK` (for WARN too, so load balancers matching the string keep working), `MAINTENANCE`,
 * `ERROR`; the app's reasons, if any and if the caller may see them, each on a line of its own after.
 */
function textBody({ status, statusCode, reasons }: Answer): string {
  // A WARN sent with a `warnCode` of its own (Consul's 429) says WARN: the code already tells it apart.
  const word = status === 'WARN' && statusCode < 300 ? 'OK' : status;
  return reasons === undefined ? word : `${word}\n${reasons.join('\n')}\n`;
}

/** One object: `service_healthy`, `status`, `timestamp` and `components` with response times in seconds. */
function jsonBody({ status, result, details, available, reasons, service }: Answer): object {
  // No prototype: every name that passes validation is a key, `__proto__` and `constructor` included.
  const components = Object.create(null) as Record<string, object>;
  if (details && result) {
    for (const check of result.checks) {
      components[check.name] = {
        ...check.details,
        healthy: passes(check.status),
        status: check.status,
        // What the check itself said, since when the status holds, and how many runs in a row it said so.
        observed: check.observed,
        since: new Date(check.since).toISOString(),
        streak: check.streak,
        status_message: check.message,
        // Measured, unless the check gave its own.
        response_time: check.details?.response_time ?? seconds(check.duration),
      };
    }
  }
  return {
    service_healthy: status === 'OK' || status === 'WARN',
    status,
    timestamp: new Date(result ? result.startedAt + result.duration : Date.now()).toISOString(),
    components,
    service: service ?? {},
    ...(reasons === undefined ? {} : { reasons }),
    // The checks there are, and the host: for those who may see details.
    ...(available === undefined ? {} : { available_checks: available, hostname: hostname() }),
  };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** draft-inadarei-api-health-check: `status` pass/warn/fail, consistent with the status code, and `checks` by name. */
function healthJsonBody({ status: answered, statusCode, result, details, reasons, service }: Answer): object {
  // The draft requires fail to go out as 4xx/5xx and pass/warn as 2xx/3xx: follow the code actually sent
  // (a WARN sent as 429 for Consul is a fail to the draft).
  const status = statusCode >= 400 ? 'fail' : answered === 'OK' ? 'pass' : 'warn';
  // The service's own fields, in the draft's order after `status`.
  const body: Record<string, unknown> = { status, ...service };
  if (answered !== 'OK' && answered !== 'WARN' && answered !== 'ERROR') {
    const word = answered.toLowerCase().replace('_', ' ');
    body.output = reasons === undefined ? word : `${word}: ${reasons.join('; ')}`;
  }
  if (details && result) {
    const checks = Object.create(null) as Record<string, object[]>;
    for (const check of result.checks) {
      const checkStatus = draftWord(check.status);
      const observed = pick(check.details, ['observedValue', 'observedUnit', 'componentType', 'componentId']);
      checks[check.name] = [
        {
          status: checkStatus,
          observedStatus: draftWord(check.observed),
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

/** A status in the draft's words. */
function draftWord(status: string): 'pass' | 'warn' | 'fail' {
  return status === 'OK' ? 'pass' : status === 'WARN' ? 'warn' : 'fail';
}

function pick(source: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (source) for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** A built-in format: its media type, the `Content-Type` it is sent with, and how it writes a body. */
interface Format {
  readonly mediaType: string;
  readonly contentType: string;
  body(report: Answer): unknown;
}

/** The built-in formats by name, in order of preference when the client has none. */
export const FORMATS: Readonly<Record<FormatName, Format>> = Object.freeze({
  text: { mediaType: 'text/plain', contentType: TEXT, body: textBody },
  json: { mediaType: 'application/json', contentType: 'application/json; charset=utf-8', body: jsonBody },
  'health+json': {
    mediaType: 'application/health+json',
    contentType: 'application/health+json; charset=utf-8',
    body: healthJsonBody,
  },
});

const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];
const MEDIA_LIST = FORMAT_NAMES.map((name) => FORMATS[name].mediaType);

/** Media types of the built-in formats, in order of preference when the client has none. */
export const MEDIA_TYPES: Readonly<Record<FormatName, string>> = Object.freeze(
  Object.fromEntries(FORMAT_NAMES.map((name) => [name, FORMATS[name].mediaType])) as Record<FormatName, string>,
);

/** What a request can ask for: a built-in format, or the status page (`html`). */
export type Negotiated = FormatName | 'html';

const NEGOTIABLE: readonly string[] = [...MEDIA_LIST, 'text/html'];

/**
 * The format a request asks for: `?format=` first, then `Accept` (a browser's prefers `text/html`: the
 * status page); `undefined` when none fits (406). A missing or `*\/*` Accept costs no parsing.
 */
export function negotiate(ctx: Context, formatParameter: string | undefined): Negotiated | undefined {
  if (formatParameter !== undefined) {
    // `?format=health+json` written literally arrives as `health json`: a `+` in a query string is a space.
    const name = formatParameter === 'health json' ? 'health+json' : formatParameter;
    return name === 'html' || FORMAT_NAMES.includes(name as FormatName) ? (name as Negotiated) : undefined;
  }
  const { accept } = ctx.req.headers;
  if (accept === undefined || accept === '*/*' || accept === '') return 'text';
  const type = ctx.accepts(NEGOTIABLE as string[]);
  if (type === 'text/html') return 'html';
  return type === false ? undefined : FORMAT_NAMES[MEDIA_LIST.indexOf(type as string)];
}
