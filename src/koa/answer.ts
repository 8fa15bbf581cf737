/**
 * Every answer of ours: what the endpoint, the probes and the status page share (`EndpointParts`), what an
 * answer says (what holds readiness, who sees details, the HTTP status, the report), and how it is written:
 * headers straight on Node's response, short text answers, reports in the chosen format, 401, 405 and our own
 * 4xx; and the one compare that turns other paths away before Koa parses the URL.
 */
import type { Context } from 'koa';
import {
  type HealthContext,
  type HealthEngine,
  HealthError,
  jsonSafe,
  type Logger,
  logText,
  type RunResult,
  SelectionError,
} from '../core/index.js';
import {
  type Answer,
  type AnswerStatus,
  type CustomFormat,
  FORMATS,
  type FormatName,
  MEDIA_TYPES,
  TEXT,
} from '../formats/index.js';
import type { MaintenanceWatch } from './maintenance.js';
import type { HealthConfig } from './options.js';
import type { QueryReader } from './parameters.js';
import type { StateHeaders } from './validate.js';

/** What the endpoint, the probes and the status page of one `health()` share. */
export interface EndpointParts {
  readonly config: HealthConfig;
  /** The one reader of query strings, shared by the endpoint, the probes and the status page. */
  readonly queries: QueryReader;
  readonly engine: HealthEngine;
  readonly maintenance: MaintenanceWatch;
  /** The bus's context: startup passed, draining. */
  readonly context: HealthContext;
}

/** Something that holds readiness at 503 whatever the checks say, since when, and why. */
export interface ReadinessHold {
  readonly status: 'SHUTTING_DOWN' | 'REFUSING' | 'MAINTENANCE';
  readonly since: number | undefined;
  readonly reasons: readonly string[];
}

/** What holds readiness at 503 whatever the checks say: draining, the app's refusals, then maintenance. */
export function readinessHolds({ context, maintenance }: EndpointParts): ReadinessHold[] {
  const holds: ReadinessHold[] = [];
  if (context.drainingSince !== undefined)
    holds.push({ status: 'SHUTTING_DOWN', since: context.drainingSince, reasons: ['draining'] });
  const refusals = context.availability.appRefusals;
  if (refusals.length > 0)
    holds.push({ status: 'REFUSING', since: context.availability.refusingSince, reasons: refusals });
  if (maintenance.active())
    holds.push({ status: 'MAINTENANCE', since: maintenance.since, reasons: ['disable file present'] });
  return holds;
}

/**
 * Whether a request that passed no secret guard (probes, the bare endpoint, maintenance) may see details:
 * as `details` says, by its own credentials, the bearer token or `auth`.
 */
export function maySeeDetails({ config }: EndpointParts, ctx: Context, auth: string | undefined): boolean {
  const { details, authorize } = config;
  return details === 'always' || (details === 'authorized' && authorize !== undefined && authorize(ctx, auth));
}

/** What the `readiness` and `startup` options name that no check has, as the last run knows them: one line each. */
export function unknownConfigured({ config, engine }: EndpointParts): string[] {
  const problems: string[] = [];
  for (const option of ['readiness', 'startup'] as const) {
    const missing = engine.missing(config[option]);
    if (missing.length > 0) problems.push(`option "${option}" names no check: ${missing.join(', ')}`);
  }
  return problems;
}

/**
 * The one rule for the HTTP status of an answer: `200` when its state passes (OK; WARN too, unless the
 * endpoint's `warnCode` says otherwise); else, for the endpoint, `maintenanceCode` in maintenance and
 * `failureCode` for a failed run, and for the probes `503` whatever those are (Kubernetes counts 200 to 399
 * as ready, 299 included); `503` while starting or draining.
 */
export function httpStatusOf({ config }: EndpointParts, state: AnswerStatus, probe: boolean): number {
  if (state === 'OK') return 200;
  if (state === 'WARN') return probe ? 200 : config.warnCode;
  if (probe) return 503;
  if (state === 'MAINTENANCE') return config.maintenanceCode;
  return state === 'ERROR' ? config.failureCode : 503;
}

/** An answer's report: details only with a run behind it, and the names of the checks only to those who may see details. */
export function reportOf(
  parts: EndpointParts,
  state: AnswerStatus,
  result: RunResult | undefined,
  details: boolean,
  probe = false,
  reasons?: readonly string[],
): Answer {
  return {
    status: state,
    statusCode: httpStatusOf(parts, state, probe),
    result,
    details: result !== undefined && details,
    available: details ? parts.engine.available : undefined,
    service: parts.config.service,
    // No reasons at all is none: the formats look for `undefined` only.
    reasons: details && reasons !== undefined && reasons.length > 0 ? reasons : undefined,
  };
}

/**
 * Sets a response header. Every header of ours goes through here, straight onto Node's response:
 * Koa's `ctx.set` adds two delegates and a type check per call, on the path of every probe.
 */
export function setHeader(ctx: Context, name: string, value: string): void {
  ctx.res.setHeader(name, value);
}

/** Answers a short text body: the endpoints' own statuses and their 4xx messages. */
export function replyText(ctx: Context, status: number, body: string): void {
  ctx.response.status = status;
  setHeader(ctx, 'Content-Type', TEXT);
  ctx.response.body = body;
}

const ALLOWED_METHODS = 'GET, HEAD, POST';

/** What an answer is written with: the extra headers by state, and a custom text format, if any. */
export interface AnswerSettings {
  readonly headers: StateHeaders;
  readonly format: CustomFormat | undefined;
}

/** Writes an answer in the chosen format, with the state's extra headers; a custom format writes the text one. */
export function writeReport(ctx: Context, config: AnswerSettings, formatName: FormatName, report: Answer): void {
  const { response } = ctx;
  response.status = report.statusCode;
  if (report.status === 'MAINTENANCE' && ctx.req.httpVersionMajor < 2) response.message = 'MAINTENANCE';
  const extra = config.headers[report.status];
  if (extra) for (const name of Object.keys(extra)) setHeader(ctx, name, extra[name]!);
  const custom: unknown = formatName === 'text' ? config.format?.(report, ctx) : undefined;
  // A custom format that returns nothing falls back to text rather than letting Koa answer 204.
  if (custom !== undefined && custom !== null) {
    const asJson = typeof custom === 'object' && !isBody(custom);
    // Koa would JSON.stringify it and answer 500 on a BigInt or a cycle: write it safely ourselves.
    if (asJson && !ctx.res.hasHeader('Content-Type')) setHeader(ctx, 'Content-Type', 'application/json; charset=utf-8');
    response.body = asJson ? JSON.stringify(jsonSafe(custom)) : custom;
    return;
  }
  const format = FORMATS[formatName];
  setHeader(ctx, 'Content-Type', format.contentType);
  response.body = format.body(report);
}

/** What Koa sends as it is: a buffer or a stream. Other objects we write as JSON ourselves, safely. */
function isBody(value: object): boolean {
  return Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function';
}

/** Answers `406` naming what can be had: the built-in formats, and the status page. */
export function replyNotAcceptable(ctx: Context): void {
  replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}, text/html`);
}

/** GET, HEAD and POST go on; anything else is answered 405 here. */
export function allowedMethod(ctx: Context): boolean {
  const { method } = ctx.req;
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  setHeader(ctx, 'Allow', ALLOWED_METHODS);
  replyText(ctx, 405, 'method not allowed');
  return false;
}

/**
 * Our own 4xx answers; anything else is not ours to swallow. An unknown check's answer lists the known names
 * only where `names` says the caller may see them.
 */
export function replyError(ctx: Context, error: unknown, names = true): void {
  if (!(error instanceof HealthError)) throw error;
  replyText(ctx, error.status, !names && error instanceof SelectionError ? error.brief : error.message);
}

// A client that keeps sending a wrong secret gets one warn line per this many ms, with a count of the rest.
const REFUSAL_LOG_MS = 60_000;

/**
 * Answers requests without the right secret: `401` with `WWW-Authenticate: Bearer`, and a warn line naming
 * what was refused and the client's address (escaped), never what it sent. A flood of them is one line a
 * minute, which counts the refusals it did not log.
 */
export class Refusals {
  readonly #logger: Logger;
  readonly #what: string;
  #loggedAt = -Infinity;
  #unlogged = 0;

  /**
   * @param logger where the lines go
   * @param what what is refused, as the line says it: `a check request`
   */
  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  /** Answers `ctx` with 401, and logs it unless a line was written less than a minute ago. */
  refuse(ctx: Context): void {
    const now = Date.now();
    if (now - this.#loggedAt < REFUSAL_LOG_MS) this.#unlogged++;
    else {
      const more = this.#unlogged > 0 ? ` (and ${this.#unlogged} more since the last line)` : '';
      this.#logger.warn(`koa-health: refused ${this.#what} without the right secret from ${logText(ctx.ip)}${more}`);
      this.#loggedAt = now;
      this.#unlogged = 0;
    }
    setHeader(ctx, 'WWW-Authenticate', 'Bearer');
    replyText(ctx, 401, 'unauthorized');
  }
}

const SLASH = 0x2f;

/**
 * Whether a request is surely for a path outside `prefix`, judged on the raw URL before Koa parses it:
 * the one compare every other request of the app pays. An absolute-form URL (`GET http://host/health`)
 * is not judged here; the parsed path decides.
 */
export function outside(url: string | undefined, prefix: string): boolean {
  return url !== undefined && url.charCodeAt(0) === SLASH && !url.startsWith(prefix);
}
