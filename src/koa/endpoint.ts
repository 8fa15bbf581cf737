import type { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import type { HealthEngine, HealthResult, Served } from '../core/index.js';
import { type AnswerState, type FormatName, type HealthReport, MEDIA_TYPES, negotiate } from '../formats/index.js';
import { Refusals } from './access.js';
import { allowedMethod, replyError, replyText, setHeader, writeReport } from './answer.js';
import type { HealthConfig } from './options.js';
import { combine, type HealthParameters, MAX_PARAMETER_LENGTH, QueryReader, readBody } from './parameters.js';
import { type EndpointParts, maySeeDetails, reportOf } from './parts.js';
import { StatusPage } from './status-page.js';

/**
 * Answers requests for the health endpoint, one step at a time: method, parameters, format,
 * maintenance, selection, answer. Each step either answers or hands on. Sync for the cheap answers
 * (bare, maintenance, cached, refreshed), a promise when the answer waits for a run.
 */
export class HealthEndpoint {
  readonly #parts: EndpointParts;
  readonly #config: HealthConfig;
  readonly #engine: HealthEngine;
  readonly #queries = new QueryReader();
  // Parses POST bodies of this endpoint only; the app's own parser, if any, has gone first.
  readonly #parseBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' });
  readonly #statusPage: StatusPage;
  readonly #refusals: Refusals;

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    ({ config: this.#config, engine: this.#engine } = parts);
    this.#statusPage = new StatusPage(parts);
    this.#refusals = new Refusals(this.#config.logger, 'a check request');
  }

  /** Answers `path`. */
  answer(ctx: Context): Promise<void> | void {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (!allowedMethod(ctx)) return;
    const { querystring } = ctx.request;
    if (querystring.length > MAX_PARAMETER_LENGTH) return replyText(ctx, 414, 'query string too long');
    let query: ReturnType<QueryReader['read']>;
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
    if (formatName === undefined)
      return replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}, text/html`);
    if (formatName === 'html') return this.#page(ctx, parameters);
    if (this.#parts.maintenance.active()) {
      const { maintenanceCode } = this.#config;
      return writeReport(
        ctx,
        this.#config,
        formatName,
        this.#unguardedReport(ctx, parameters.auth, 'MAINTENANCE', maintenanceCode),
      );
    }
    return this.#answerChecks(ctx, formatName, parameters);
  }

  /** The status page: it needs the secret exactly as running checks does, and shows details as `details` allows. */
  #page(ctx: Context, { selection, auth }: HealthParameters): Promise<void> | void {
    if (!this.#authorized(ctx, auth)) return;
    try {
      const answered = this.#statusPage.answer(ctx, selection, auth);
      return answered?.catch((error: unknown) => replyError(ctx, error, this.#config.showDetails));
    } catch (error) {
      return replyError(ctx, error, this.#config.showDetails);
    }
  }

  /** Whether the request may run checks; a refusal is answered 401 here, and logged. */
  #authorized(ctx: Context, auth: string | undefined): boolean {
    const { authorize } = this.#config;
    if (!authorize || authorize(ctx, auth)) return true;
    this.#refusals.refuse(ctx);
    return false;
  }

  /** Sync when the result is at hand (cache, background run), a promise when it waits for a run. */
  #answerChecks(ctx: Context, formatName: FormatName, { selection, auth }: HealthParameters): Promise<void> | void {
    // A probe that asks for no checks runs nothing.
    if (selection === undefined)
      return writeReport(ctx, this.#config, formatName, this.#unguardedReport(ctx, auth, 'OK', 200));
    if (!this.#authorized(ctx, auth)) return;
    let ready: Served | undefined;
    try {
      ready = this.#engine.ready(selection);
    } catch (error) {
      return replyError(ctx, error, this.#config.showDetails);
    }
    if (ready) return this.#sendResult(ctx, formatName, ready);
    return this.#engine.serve(selection).then(
      (served) => this.#sendResult(ctx, formatName, served),
      (error: unknown) => replyError(ctx, error, this.#config.showDetails),
    );
  }

  #sendResult(ctx: Context, formatName: FormatName, { result, age }: Served): void {
    if (age !== undefined) setHeader(ctx, 'Age', String(Math.floor(age / 1000)));
    const statusCode = result.status === 'ERROR' ? this.#config.failureCode : 200;
    writeReport(ctx, this.#config, formatName, this.#report(result.status, statusCode, result));
  }

  #report(state: AnswerState, statusCode: number, result: HealthResult): HealthReport {
    // This endpoint guards running checks with the secret: past the guard, who sees details is known once.
    return reportOf(this.#parts, state, statusCode, result, this.#config.showDetails);
  }

  /** An answer that runs nothing and so passes no guard: the check names and the host only for whoever may see details. */
  #unguardedReport(ctx: Context, auth: string | undefined, state: AnswerState, statusCode: number): HealthReport {
    return reportOf(this.#parts, state, statusCode, undefined, maySeeDetails(this.#parts, ctx, auth));
  }
}
