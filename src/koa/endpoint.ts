import type { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { HealthError, jsonSafe, logText, type HealthEngine, type HealthResult, type Served } from '../core/index.js';
import { FORMATS, MEDIA_TYPES, negotiate, type AnswerState, type FormatName, type HealthReport } from '../formats/index.js';
import { inMaintenance } from './maintenance.js';
import type { HealthConfig } from './options.js';
import { combine, MAX_PARAMETER_LENGTH, QueryReader, readBody, type HealthParameters } from './parameters.js';
import { replyText, setHeader } from './reply.js';

const ALLOWED_METHODS = 'GET, HEAD, POST';

/**
 * Answers requests for the health endpoint, one step at a time: method, parameters, format,
 * maintenance, selection, answer. Each step either answers or hands on. Sync for the cheap answers
 * (bare, maintenance, cached, refreshed), a promise when the answer waits for a run.
 */
export class HealthEndpoint {
  readonly #config: HealthConfig;
  readonly #engine: HealthEngine;
  readonly #queries = new QueryReader();
  // Parses POST bodies of this endpoint only; the app's own parser, if any, has gone first.
  readonly #parseBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' });
  #maintenance = false;

  constructor(config: HealthConfig, engine: HealthEngine) {
    this.#config = config;
    this.#engine = engine;
  }

  /** Answers `path`. */
  answer(ctx: Context): Promise<void> | void {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (!allowedMethod(ctx)) return;
    const { querystring } = ctx.request;
    if (querystring.length > MAX_PARAMETER_LENGTH) return replyText(ctx, 414, 'query string too long');
    let query;
    try {
      query = this.#queries.read(ctx, querystring);
    } catch (error) {
      return replyError(ctx, error);
    }
    // A POST may carry parameters in its body too; a GET is answered without waiting for anything.
    if (ctx.req.method === 'POST') return this.#answerPost(ctx, query.given);
    return this.#answerWith(ctx, query.parameters);
  }

  /** Answers `path/ping`: liveness, with no checks, no secret, and not affected by maintenance. */
  ping(ctx: Context): void {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (allowedMethod(ctx)) replyText(ctx, 200, 'pong');
  }

  /** Looks for the disable file on every request, and logs only when maintenance begins or ends. */
  #inMaintenance(): boolean {
    const { disableFile, logger } = this.#config;
    const now = disableFile !== false && inMaintenance(disableFile);
    if (now !== this.#maintenance) logger.info(now ? 'Health response: MAINTENANCE' : 'Health response: maintenance is over');
    this.#maintenance = now;
    return now;
  }

  async #answerPost(ctx: Context, query: Parameters<typeof combine>[0]): Promise<void> {
    try {
      const body = await readBody(ctx, this.#parseBody, this.#config.engine.timeout);
      await this.#answerWith(ctx, combine(query, body));
    } catch (error) {
      replyError(ctx, error);
    }
  }

  /** The rest of the steps, once the parameters are known: format, maintenance, selection, answer. */
  #answerWith(ctx: Context, parameters: HealthParameters): Promise<void> | void {
    const formatName = negotiate(ctx, parameters.format);
    if (formatName === undefined) return replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}`);
    if (this.#inMaintenance()) {
      const { maintenanceCode } = this.#config;
      return this.#send(ctx, formatName, this.#report('MAINTENANCE', maintenanceCode, undefined));
    }
    return this.#answerChecks(ctx, formatName, parameters);
  }

  /** Sync when the result is at hand (cache, background run), a promise when it waits for a run. */
  #answerChecks(ctx: Context, formatName: FormatName, { selection, auth }: HealthParameters): Promise<void> | void {
    // A probe that asks for no checks runs nothing.
    if (selection === undefined) return this.#send(ctx, formatName, this.#report('OK', 200, undefined));
    const { authorize, logger } = this.#config;
    if (authorize && !authorize(ctx, auth)) {
      logger.warn(`koa-health: refused a check request without the right secret from ${logText(ctx.ip)}`);
      setHeader(ctx, 'WWW-Authenticate', 'Bearer');
      return replyText(ctx, 401, 'unauthorized');
    }
    let ready: Served | undefined;
    try {
      ready = this.#engine.ready(selection);
    } catch (error) {
      return replyError(ctx, error);
    }
    if (ready) return this.#sendResult(ctx, formatName, ready);
    return this.#engine.serve(selection).then(
      (served) => this.#sendResult(ctx, formatName, served),
      (error: unknown) => replyError(ctx, error),
    );
  }

  #sendResult(ctx: Context, formatName: FormatName, { result, age }: Served): void {
    if (age !== undefined) setHeader(ctx, 'Age', String(Math.floor(age / 1000)));
    const statusCode = result.status === 'ERROR' ? this.#config.failureCode : 200;
    this.#send(ctx, formatName, this.#report(result.status, statusCode, result));
  }

  #report(state: AnswerState, statusCode: number, result: HealthResult | undefined): HealthReport {
    // Details are shown only with a run behind the answer, and only to those allowed to see them.
    const { showDetails } = this.#config;
    return { state, statusCode, result, details: result !== undefined && showDetails, available: showDetails ? this.#engine.available : undefined };
  }

  #send(ctx: Context, formatName: FormatName, report: HealthReport): void {
    const { response } = ctx;
    response.status = report.statusCode;
    if (report.state === 'MAINTENANCE' && ctx.req.httpVersionMajor < 2) response.message = 'MAINTENANCE';
    const extra = this.#config.headers[report.state];
    if (extra) for (const name of Object.keys(extra)) setHeader(ctx, name, extra[name]!);
    const custom: unknown = formatName === 'text' ? this.#config.format?.(report, ctx) : undefined;
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
}

/** What Koa sends as it is: a buffer or a stream. Other objects we write as JSON ourselves, safely. */
function isBody(value: object): boolean {
  return Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function';
}

function allowedMethod(ctx: Context): boolean {
  const { method } = ctx.req;
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  setHeader(ctx, 'Allow', ALLOWED_METHODS);
  replyText(ctx, 405, 'method not allowed');
  return false;
}

/** Our own 4xx answers; anything else is not ours to swallow. */
function replyError(ctx: Context, error: unknown): void {
  if (!(error instanceof HealthError)) throw error;
  replyText(ctx, error.status, error.message);
}
