import type { Context, Middleware, Next } from 'koa';
import bodyParser from 'koa-bodyparser';
import { healthBus, type HealthBus } from './bus.js';
import { HealthEngine, type CacheOptions } from './engine.js';
import { inMaintenance } from './maintenance.js';
import { DEFAULT_TIMEOUT } from './run.js';
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
}

/** The middleware `health()` returns; `close()` stops its background refresh. */
export interface HealthMiddleware extends Middleware {
  close(): void;
}

const OPTIONS = [
  'path', 'disableFile', 'maintenanceCode', 'failureCode', 'bus', 'timeout', 'logger', 'cache', 'refreshInterval',
] as const;
const ALLOWED_METHODS = 'GET, HEAD, POST';

/**
 * A Koa middleware answering health checks at `path`: 200 `OK`, `maintenanceCode` `MAINTENANCE`
 * while the disable file exists, `failureCode` `ERROR` when a check asked for with `?checks=` fails.
 * Every other request goes straight to `next()`.
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
  } = options;
  const endpoint = path === false ? false : validPath(path, 'path');
  const file = validFile(disableFile, 'disableFile');
  validCode(maintenanceCode, 'maintenanceCode');
  validCode(failureCode, 'failureCode');
  const log = validLogger(logger, 'logger');
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

  /** Answers a request to the endpoint; sync for the cheap answers, a promise when checks run. */
  function answer(ctx: Context): Promise<void> | void {
    ctx.set('Cache-Control', 'no-store');
    const { method } = ctx;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      ctx.set('Allow', ALLOWED_METHODS);
      return reply(ctx, 405, 'Method Not Allowed');
    }
    if (file !== false && inMaintenance(file)) {
      if (!maintenance) log.info('Health response: MAINTENANCE');
      maintenance = true;
      reply(ctx, maintenanceCode, 'MAINTENANCE');
      if (ctx.req.httpVersionMajor < 2) ctx.message = 'MAINTENANCE';
      return;
    }
    if (maintenance) log.info('Health response: maintenance is over');
    maintenance = false;
    // A bare probe parses nothing and runs nothing.
    if (ctx.querystring === '' && method !== 'POST') return reply(ctx, 200, 'OK');
    return runRequested(ctx);
  }

  async function runRequested(ctx: Context): Promise<void> {
    let selection: Selection | undefined;
    try {
      selection = await readSelection(ctx, parseBody);
      if (selection === undefined) return reply(ctx, 200, 'OK');
      const { result, age } = await engine.serve(selection);
      if (age !== undefined) ctx.set('Age', String(Math.floor(age / 1000)));
      if (result.status === 'ERROR') reply(ctx, failureCode, 'ERROR');
      else reply(ctx, 200, 'OK');
    } catch (error) {
      if (!(error instanceof SelectionError || error instanceof RequestError)) throw error;
      reply(ctx, error.status, error.message);
    }
  }

  const middleware = endpoint === false
    ? function koaHealth(ctx: Context): Promise<void> | void {
      return answer(ctx);
    }
    : function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
      const requested = ctx.path;
      if (requested !== endpoint && requested !== `${endpoint}/`) return next();
      return answer(ctx);
    };
  return Object.assign(middleware, { close: () => engine.close() });
}

function reply(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = body;
}

/** The `checks` and `exclude` of the query string, or else of a form or JSON body. */
async function readSelection(ctx: Context, parseBody: Middleware): Promise<Selection | undefined> {
  const { query } = ctx;
  if (query.checks !== undefined || ctx.method !== 'POST') return Selection.parse(query.checks, query.exclude);
  try {
    await parseBody(ctx, async () => {});
  } catch (error) {
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status !== 'number' || status < 400 || status >= 500) throw error;
    throw new RequestError(status, status === 413 ? 'request body too large' : 'malformed request body');
  }
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null) return undefined;
  const { checks, exclude } = body as Record<string, unknown>;
  return Selection.parse(checkList(checks, 'checks'), checkList(exclude, 'exclude'));
}

/** A body's value as a check list: JSON may say `true` or give an array. */
function checkList(value: unknown, name: string): CheckList | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new SelectionError(`"${name}" must be a string or a list of strings`);
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
