import type { Context, Middleware, Next } from 'koa';
import bodyParser from 'koa-bodyparser';
import { healthBus, type HealthBus } from './bus.js';
import { HealthEngine, type CacheOptions, type Served } from './engine.js';
import { inMaintenance } from './maintenance.js';
import { DEFAULT_TIMEOUT } from './run.js';
import { authorizer, detailsLevel, type DetailsLevel, type Secret } from './access.js';
import {
  healthJsonBody, jsonBody, MEDIA_TYPES, negotiate, replyText, textBody, TEXT,
  type CustomFormat, type FormatName, type HealthReport, type HealthState,
} from './formats.js';
import { MAX_PARAMETER_LENGTH, QueryReader, readBody, RequestError, type HealthParameters } from './parameters.js';
import { outside } from './path.js';
import { SelectionError } from './selection.js';
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
  // Past the guard a request with a secret is authorized: who sees details is known now.
  const showDetails = detailsFor === 'always' || (detailsFor === 'authorized' && authorize !== undefined);
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
  const queries = new QueryReader();
  let maintenance = false;

  /** Answers the endpoint; sync for the cheap answers, a promise when checks run. */
  function answer(ctx: Context): Promise<void> | void {
    if (!allowedMethod(ctx)) return;
    const { querystring } = ctx.request;
    if (querystring.length > MAX_PARAMETER_LENGTH) return replyText(ctx, 414, 'query string too long');
    let parameters: HealthParameters;
    try {
      parameters = queries.read(ctx, querystring);
    } catch (error) {
      return replyError(ctx, error);
    }
    const formatName = negotiate(ctx, parameters.format);
    if (formatName === undefined) return replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}`);
    if (file !== false && inMaintenance(file)) {
      if (!maintenance) log.info('Health response: MAINTENANCE');
      maintenance = true;
      return send(ctx, formatName, { state: 'MAINTENANCE', statusCode: maintenanceCode, result: undefined, details: false });
    }
    if (maintenance) log.info('Health response: maintenance is over');
    maintenance = false;
    if (!parameters.checksInQuery && ctx.req.method === 'POST') return answerBody(ctx, formatName);
    return answerChecks(ctx, formatName, parameters);
  }

  async function answerBody(ctx: Context, formatName: FormatName): Promise<void> {
    try {
      await answerChecks(ctx, formatName, await readBody(ctx, parseBody));
    } catch (error) {
      replyError(ctx, error);
    }
  }

  /** Sync when the result is at hand (cache, background run), a promise when it waits for a run. */
  function answerChecks(ctx: Context, formatName: FormatName, { selection, auth }: HealthParameters): Promise<void> | void {
    // A probe that asks for no checks runs nothing.
    if (selection === undefined) return send(ctx, formatName, HEALTHY);
    if (authorize && !authorize(ctx, auth)) {
      log.warn(`koa-health: refused a check request without the right secret from ${ctx.ip}`);
      ctx.res.setHeader('WWW-Authenticate', 'Bearer');
      return replyText(ctx, 401, 'unauthorized');
    }
    let ready: Served | undefined;
    try {
      ready = engine.ready(selection);
    } catch (error) {
      return replyError(ctx, error);
    }
    if (ready) return sendResult(ctx, formatName, ready);
    return engine.serve(selection).then((served) => sendResult(ctx, formatName, served), (error: unknown) => replyError(ctx, error));
  }

  function sendResult(ctx: Context, formatName: FormatName, { result, age }: Served): void {
    if (age !== undefined) ctx.res.setHeader('Age', String(Math.floor(age / 1000)));
    const statusCode = result.status === 'ERROR' ? failureCode : 200;
    send(ctx, formatName, { state: result.status, statusCode, result, details: showDetails });
  }

  function send(ctx: Context, formatName: FormatName, report: HealthReport): void {
    const { response } = ctx;
    response.status = report.statusCode;
    if (report.state === 'MAINTENANCE' && ctx.req.httpVersionMajor < 2) response.message = 'MAINTENANCE';
    const extra = stateHeaders[report.state];
    if (extra) response.set(extra);
    if (formatName === 'json') {
      ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.body = jsonBody(report);
    } else if (formatName === 'health+json') {
      ctx.res.setHeader('Content-Type', 'application/health+json; charset=utf-8');
      response.body = healthJsonBody(report);
    } else {
      const custom: unknown = format?.(report, ctx);
      // A custom format that returns nothing falls back to text rather than letting Koa answer 204.
      if (custom !== undefined && custom !== null) response.body = custom;
      else {
        ctx.res.setHeader('Content-Type', TEXT);
        response.body = textBody(report);
      }
    }
  }

  function dispatch(ctx: Context, ping: boolean): Promise<void> | void {
    ctx.res.setHeader('Cache-Control', 'no-store');
    if (!ping) return answer(ctx);
    // Liveness: no checks, no secret, and not affected by maintenance.
    if (allowedMethod(ctx)) replyText(ctx, 200, 'pong');
  }

  const ping = endpoint === '/' ? '/ping' : `${endpoint}/ping`;
  const [endpointSlash, pingSlash] = [`${endpoint}/`, `${ping}/`];
  const middleware = endpoint === false
    ? function koaHealth(ctx: Context): Promise<void> | void {
      return dispatch(ctx, ctx.request.path.endsWith('/ping'));
    }
    : function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
      if (outside(ctx.req.url, endpoint)) return next();
      const requested = ctx.request.path;
      if (!requested.startsWith(endpoint)) return next();
      if (requested === endpoint || requested === endpointSlash) return dispatch(ctx, false);
      if (requested === ping || requested === pingSlash) return dispatch(ctx, true);
      return next();
    };
  return Object.assign(middleware, { close: () => engine.close() });
}

const HEALTHY: HealthReport = Object.freeze({ state: 'OK', statusCode: 200, result: undefined, details: false });

function allowedMethod(ctx: Context): boolean {
  const { method } = ctx.req;
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  ctx.set('Allow', ALLOWED_METHODS);
  replyText(ctx, 405, 'method not allowed');
  return false;
}

/** Our own 4xx answers; anything else is not ours to swallow. */
function replyError(ctx: Context, error: unknown): void {
  if (!(error instanceof SelectionError || error instanceof RequestError)) throw error;
  replyText(ctx, error.status, error.message);
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
