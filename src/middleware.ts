import type { Context, Middleware, Next } from 'koa';
import bodyParser from 'koa-bodyparser';
import { healthBus, type HealthBus } from './bus.js';
import { HealthEngine, type CacheOptions } from './engine.js';
import { inMaintenance } from './maintenance.js';
import { DEFAULT_TIMEOUT } from './run.js';
import { authorizer, detailsLevel, type DetailsLevel, type Secret } from './access.js';
import {
  healthJsonBody, jsonBody, MEDIA_TYPES, negotiate, textBody,
  type CustomFormat, type FormatName, type HealthReport, type HealthState,
} from './formats.js';
import { Selection, SelectionError, type CheckList } from './selection.js';
import {
  knownOptions, validBus, validCode, validFile, validLogger, validPath, validTimeout, type Logger,
} from './validate.js';

/** Options of `health()`. */
export interface HealthOptions {
  /**
   * Where the endpoint answers (also with one trailing slash). `false` answers every request that
   * reaches the middleware, for mounting on a router route.
   * @default '/health'
   */
  path?: string | false;
  /**
   * While this file exists the instance is in maintenance; `false` turns that off.
   * @default '/tmp/maintenance'
   */
  disableFile?: string | false;
  /**
   * Status while in maintenance. Kubernetes counts 200 to 399 as ready: use 503 to drain a pod.
   * @default 299
   */
  maintenanceCode?: number;
  /**
   * Status when a check fails.
   * @default 503
   */
  failureCode?: number;
  /**
   * The mitt emitter the `'healthcheck'` event is emitted on.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Deadline in ms for one whole run of the application checks.
   * @default 5000
   */
  timeout?: number;
  /**
   * Anything with `info`, `warn` and `error` (console, pino); `false` silences it.
   * @default console
   */
  logger?: Logger | false;
  /**
   * Reuse results for a while, by outcome, in ms (Runscope uses `{ success: 27000, failure: 9000 }`).
   * @default false
   */
  cache?: CacheOptions | false;
  /**
   * Run all checks every this many ms in the background and answer from the last result.
   * @default false
   */
  refreshInterval?: number | false;
  /**
   * Running checks needs this secret as `?auth=` or `Authorization: Bearer`, compared in constant time;
   * or a function `(ctx) => boolean` for other schemes. The bare endpoint and `/ping` stay public.
   * @default undefined (no secret)
   */
  secret?: Secret | undefined;
  /**
   * Who sees each check in the JSON formats: `'always'`, `'authorized'` (with the secret) or `'never'`.
   * @default 'always' without a secret, 'authorized' with one
   */
  details?: DetailsLevel | undefined;
  /**
   * Writes the body of answers in the default format, instead of the bare words.
   * @default undefined (text: OK, WARN answers OK, MAINTENANCE, ERROR)
   */
  format?: CustomFormat | undefined;
  /**
   * Extra response headers by state, e.g. `{ MAINTENANCE: { 'Retry-After': '120' } }`.
   * @default {}
   */
  headers?: Partial<Record<HealthState, Readonly<Record<string, string>>>>;
}

/** The middleware `health()` returns; `close()` stops its background refresh. */
export interface HealthMiddleware extends Middleware {
  close(): void;
}

const OPTIONS = [
  'path', 'disableFile', 'maintenanceCode', 'failureCode', 'bus', 'timeout', 'logger', 'cache', 'refreshInterval',
  'secret', 'details', 'format', 'headers',
] as const;
const ALLOWED_METHODS = 'GET, HEAD, POST';
const STATES: readonly HealthState[] = ['OK', 'WARN', 'ERROR', 'MAINTENANCE'];
/** Longest query string, and longest single body parameter, the endpoint reads. */
const MAX_PARAMETER_LENGTH = 2048;

/**
 * A Koa middleware answering health checks at `path`: 200 `OK`, `maintenanceCode` `MAINTENANCE`
 * while the disable file exists, `failureCode` `ERROR` when a check asked for with `?checks=` fails,
 * and `pong` at `path/ping`. Every other request goes straight to `next()`.
 * @throws {TypeError} for a bad or unknown option
 */
export function health(options: HealthOptions = {}): HealthMiddleware {
  knownOptions(options, OPTIONS, 'health()');
  const {
    path = '/health',
    disableFile = '/tmp/maintenance',
    maintenanceCode = 299,
    failureCode = 503,
    bus = healthBus,
    timeout = DEFAULT_TIMEOUT,
    logger = console,
    cache = false,
    refreshInterval = false,
    secret,
    details,
    format,
    headers = {},
  } = options;
  const endpoint = path === false ? false : validPath(path, 'path');
  const file = validFile(disableFile, 'disableFile');
  validCode(maintenanceCode, 'maintenanceCode');
  validCode(failureCode, 'failureCode');
  const log = validLogger(logger, 'logger');
  const authorize = authorizer(secret, 'secret');
  const detailsFor = detailsLevel(details, authorize !== undefined, 'details');
  if (format !== undefined && typeof format !== 'function') throw new TypeError('option "format" must be a function');
  const stateHeaders = validHeaders(headers);
  const engine = new HealthEngine({
    bus: validBus(bus, 'bus'),
    timeout: validTimeout(timeout, 'timeout'),
    cache: validCache(cache),
    refreshInterval: refreshInterval === false ? 0 : validTimeout(refreshInterval, 'refreshInterval'),
    logger: log,
  });
  // Parses POST bodies of this endpoint only; the app's own parser, if any, has gone first.
  const parseBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' });
  let maintenance = false;

  /** Answers the endpoint; sync for the cheap answers, a promise when checks run. */
  function answer(ctx: Context): Promise<void> | void {
    if (!allowedMethod(ctx)) return;
    const { querystring } = ctx;
    if (querystring.length > MAX_PARAMETER_LENGTH) return reply(ctx, 414, 'query string too long');
    let formatName: FormatName | undefined;
    try {
      formatName = negotiate(ctx, querystring === '' ? undefined : single(ctx.query.format, 'format'));
    } catch (error) {
      return replyError(ctx, error);
    }
    if (formatName === undefined) return reply(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}`);
    if (file !== false && inMaintenance(file)) {
      if (!maintenance) log.info('Health response: MAINTENANCE');
      maintenance = true;
      return send(ctx, formatName, { state: 'MAINTENANCE', statusCode: maintenanceCode, result: undefined, details: false });
    }
    if (maintenance) log.info('Health response: maintenance is over');
    maintenance = false;
    // A bare probe parses nothing and runs nothing.
    if (querystring === '' && ctx.method !== 'POST') return send(ctx, formatName, HEALTHY);
    return runRequested(ctx, formatName);
  }

  async function runRequested(ctx: Context, formatName: FormatName): Promise<void> {
    try {
      const { checks, exclude, auth } = await readParameters(ctx, parseBody);
      const selection = Selection.parse(checks, exclude);
      if (selection === undefined) return send(ctx, formatName, HEALTHY);
      if (authorize && !authorize(ctx, auth)) {
        log.warn(`koa-health: refused a check request without the right secret from ${ctx.ip}`);
        ctx.set('WWW-Authenticate', 'Bearer');
        return reply(ctx, 401, 'unauthorized');
      }
      const { result, age } = await engine.serve(selection);
      if (age !== undefined) ctx.set('Age', String(Math.floor(age / 1000)));
      const statusCode = result.status === 'ERROR' ? failureCode : 200;
      // Past the guard a request with a secret is authorized.
      const maySee = detailsFor === 'always' || (detailsFor === 'authorized' && authorize !== undefined);
      send(ctx, formatName, { state: result.status, statusCode, result, details: maySee });
    } catch (error) {
      replyError(ctx, error);
    }
  }

  function send(ctx: Context, formatName: FormatName, report: HealthReport): void {
    ctx.status = report.statusCode;
    if (report.state === 'MAINTENANCE' && ctx.req.httpVersionMajor < 2) ctx.message = 'MAINTENANCE';
    const extra = stateHeaders[report.state];
    if (extra) ctx.set(extra);
    if (formatName === 'json') {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = jsonBody(report);
    } else if (formatName === 'health+json') {
      ctx.type = 'application/health+json; charset=utf-8';
      ctx.body = healthJsonBody(report);
    } else {
      const custom: unknown = format?.(report, ctx);
      // A custom format that returns nothing falls back to text rather than letting Koa answer 204.
      if (custom !== undefined && custom !== null) ctx.body = custom;
      else {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = textBody(report);
      }
    }
  }

  function dispatch(ctx: Context, ping: boolean): Promise<void> | void {
    ctx.set('Cache-Control', 'no-store');
    if (!ping) return answer(ctx);
    // Liveness: no checks, no secret, and not affected by maintenance.
    if (allowedMethod(ctx)) reply(ctx, 200, 'pong');
  }

  const ping = endpoint === '/' ? '/ping' : `${endpoint}/ping`;
  const middleware = endpoint === false
    ? function koaHealth(ctx: Context): Promise<void> | void {
      return dispatch(ctx, ctx.path.endsWith('/ping'));
    }
    : function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
      const requested = ctx.path;
      // One compare for every other path of the app.
      if (!requested.startsWith(endpoint)) return next();
      if (requested === endpoint || requested === `${endpoint}/`) return dispatch(ctx, false);
      if (requested === ping || requested === `${ping}/`) return dispatch(ctx, true);
      return next();
    };
  return Object.assign(middleware, { close: () => engine.close() });
}

const HEALTHY: HealthReport = Object.freeze({ state: 'OK', statusCode: 200, result: undefined, details: false });

function allowedMethod(ctx: Context): boolean {
  const { method } = ctx;
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  ctx.set('Allow', ALLOWED_METHODS);
  reply(ctx, 405, 'method not allowed');
  return false;
}

function reply(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = body;
}

/** Our own 4xx answers; anything else is not ours to swallow. */
function replyError(ctx: Context, error: unknown): void {
  if (!(error instanceof SelectionError || error instanceof RequestError)) throw error;
  reply(ctx, error.status, error.message);
}

interface RequestParameters {
  checks: CheckList | undefined;
  exclude: CheckList | undefined;
  auth: unknown;
}

/** `checks`, `exclude` and `auth` from the query string, or else from a form or JSON body. */
async function readParameters(ctx: Context, parseBody: Middleware): Promise<RequestParameters> {
  const { query } = ctx;
  if (query.checks !== undefined || ctx.method !== 'POST') {
    return { checks: query.checks, exclude: query.exclude, auth: undefined };
  }
  try {
    await parseBody(ctx, async () => {});
  } catch (error) {
    // Whatever the parser throws is about the body the client sent (bad JSON, bad gzip, too large).
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 413) throw new RequestError(413, 'request body too large');
    if (status === 415) throw new RequestError(415, 'unsupported body encoding');
    throw new RequestError(400, 'malformed request body');
  }
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null) return { checks: undefined, exclude: undefined, auth: undefined };
  const { checks, exclude, auth } = body as Record<string, unknown>;
  return { checks: checkList(checks, 'checks'), exclude: checkList(exclude, 'exclude'), auth: auth === undefined ? undefined : single(auth, 'auth') };
}

/** A parameter that takes one value: given twice, or not as text, is refused. */
function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError(400, `"${name}" must be given once, as text`);
  if (value.length > MAX_PARAMETER_LENGTH) throw new RequestError(400, `"${name}" is too long`);
  return value;
}

/** A body's value as a check list: JSON may say `true` or give an array. */
function checkList(value: unknown, name: string): CheckList | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return String(value);
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new RequestError(400, `"${name}" must be a string or a list of strings`);
  }
  if (list.reduce((length: number, item: string) => length + item.length, 0) > MAX_PARAMETER_LENGTH) {
    throw new RequestError(400, `"${name}" is too long`);
  }
  return list as string[];
}

function validHeaders(headers: unknown): Partial<Record<HealthState, Readonly<Record<string, string>>>> {
  if (typeof headers !== 'object' || headers === null) throw new TypeError('option "headers" must be an object by state');
  for (const [state, set] of Object.entries(headers)) {
    if (!STATES.includes(state as HealthState)) throw new TypeError(`option "headers" has unknown state "${state}" (use ${STATES.join(', ')})`);
    if (typeof set !== 'object' || set === null || !Object.values(set).every((value) => typeof value === 'string')) {
      throw new TypeError(`option "headers.${state}" must map header names to strings`);
    }
  }
  return headers;
}

/** A request the endpoint cannot answer as asked: a 4xx with a short message. */
class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function validCache(cache: CacheOptions | false): Required<CacheOptions> {
  if (cache === false) return { success: 0, failure: 0 };
  if (typeof cache !== 'object' || cache === null) throw new TypeError('option "cache" must be { success, failure } in ms, or false');
  knownOptions(cache, ['success', 'failure'], 'health() option "cache"');
  const { success = 0, failure = 0 } = cache;
  for (const [name, ttl] of Object.entries({ success, failure })) {
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw new TypeError(`option "cache.${name}" must be a number of ms, 0 or more`);
    }
  }
  return { success, failure };
}
