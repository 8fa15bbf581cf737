import type { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import type { HealthEngine, RunResult, ServedResult } from '../core/index.js';
import { type Answer, type AnswerStatus, type FormatName, negotiate } from '../formats/index.js';
import { Refusals } from './access.js';
import { allowedMethod, replyError, replyNotAcceptable, replyText, setHeader, writeReport } from './answer.js';
import type { HealthConfig } from './options.js';
import { combine, type HealthParameters, type ReadQuery, readBody } from './parameters.js';
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
    let query: ReadQuery;
    let parameters: HealthParameters | undefined;
    try {
      query = this.#parts.queries.read(ctx);
      // A POST may carry parameters in its body too; a GET is answered without waiting for anything.
      if (ctx.req.method !== 'POST') parameters = query.parameters();
    } catch (error) {
      return replyError(ctx, error);
    }
    return parameters === undefined ? this.#answerPost(ctx, query.given) : this.#answerWith(ctx, parameters);
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
    if (formatName === undefined) return replyNotAcceptable(ctx);
    if (formatName === 'html') return this.#page(ctx, parameters);
    if (this.#parts.maintenance.active()) {
      return writeReport(ctx, this.#config, formatName, this.#unguardedReport(ctx, parameters.auth, 'MAINTENANCE'));
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
      return writeReport(ctx, this.#config, formatName, this.#unguardedReport(ctx, auth, 'OK'));
    if (!this.#authorized(ctx, auth)) return;
    let ready: ServedResult | undefined;
    try {
      ready = this.#engine.resultAtHand(selection);
    } catch (error) {
      return replyError(ctx, error, this.#config.showDetails);
    }
    if (ready) return this.#sendResult(ctx, formatName, ready);
    return this.#engine.serve(selection).then(
      (served) => this.#sendResult(ctx, formatName, served),
      (error: unknown) => replyError(ctx, error, this.#config.showDetails),
    );
  }

  #sendResult(ctx: Context, formatName: FormatName, { result, age }: ServedResult): void {
    if (age !== undefined) setHeader(ctx, 'Age', String(Math.floor(age / 1000)));
    writeReport(ctx, this.#config, formatName, this.#report(result.status, result));
  }

  #report(state: AnswerStatus, result: RunResult): Answer {
    // This endpoint guards running checks with the secret: past the guard, who sees details is known once.
    return reportOf(this.#parts, state, result, this.#config.showDetails);
  }

  /** An answer that runs nothing and so passes no guard: the check names and the host only for whoever may see details. */
  #unguardedReport(ctx: Context, auth: string | undefined, state: AnswerStatus): Answer {
    return reportOf(this.#parts, state, undefined, maySeeDetails(this.#parts, ctx, auth));
  }
}
