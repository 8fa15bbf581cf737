/**
 * `health()`: the middleware (the hot path, one compare for every other request) and the endpoint it
 * answers at its path, one step at a time. The probes and the status page have files of their own.
 */
import type { Context, Middleware, Next } from 'koa';
import {
  contextOf,
  type HealthContext,
  type HealthEngine,
  type RunResult,
  type ServedResult,
  sharedEngine,
} from '../core/index.js';
import { type Answer, type AnswerStatus, type FormatName, negotiate } from '../formats/index.js';
import {
  allowedMethod,
  type EndpointParts,
  maySeeDetails,
  outside,
  Refusals,
  replyError,
  replyNotAcceptable,
  replyText,
  reportOf,
  setHeader,
  writeReport,
} from './answer.js';
import { MaintenanceWatch } from './maintenance.js';
import { configure, type HealthConfig, type HealthMiddleware, type HealthOptions } from './options.js';
import { combine, type HealthParameters, QueryReader, type ReadQuery, readBody } from './parameters.js';
import { type Probe, ProbeEndpoint } from './probes.js';
import type { StatusPage } from './status-page.js';

/**
 * A Koa middleware answering health checks at `path`: 200 `OK`, `maintenanceCode` `MAINTENANCE`
 * while the disable file exists, `failureCode` `ERROR` when a check asked for with `?checks=` fails;
 * `pong` at `path/ping`, and Kubernetes' probes at `path/live`, `path/ready` and `path/startup`.
 * Every other request goes straight to `next()`.
 * @throws {TypeError} for a bad or unknown option
 */
export function health(options: HealthOptions = {}): HealthMiddleware {
  const config = configure(options);
  // Mounts on one bus with the same settings share one engine: one run per flood, one refresh, one log line.
  const { value: engine, release } = sharedEngine(config.engine);
  const parts = {
    config,
    engine,
    maintenance: new MaintenanceWatch(config.disableFile, config.logger),
    context: contextOf(config.engine.bus),
    queries: new QueryReader(),
  };
  const endpoint = new HealthEndpoint(parts);
  const probes = new ProbeEndpoint(parts);
  const { bus } = config.engine;
  // Checks with an `interval` run from now on, until the last mount on the bus is closed; never in maintenance.
  const { scheduler } = parts.context;
  const stopSchedules = scheduler.start(config.engine, true);
  const unwatch = scheduler.watchMaintenance(() => parts.maintenance.active());
  // The app's availability is logged through the first mount's logger; `whenReady()` runs its startup checks.
  const { availability } = parts.context;
  availability.logger ??= config.logger;
  parts.context.service ??= config.service;
  availability.setStarter(() => probes.runStartup());
  // loadShedding() never sheds what this mount answers.
  const removePath = config.path === false ? () => {} : parts.context.addHealthPath(config.path);
  const close = (): void => {
    release();
    stopSchedules();
    unwatch();
    removePath();
  };

  /** Answers what follows the health path (`ping`, `live`, `ready`, `ready/<name>`, `startup`), else `false`. */
  function below(ctx: Context, sub: string): Promise<void> | void | false {
    const answered = subpathOf(sub);
    if (answered === undefined) return false;
    if (answered.probe === 'ping') return endpoint.ping(ctx);
    return probes.answer(ctx, answered.probe, answered.name);
  }

  const { path } = config;
  if (path === false) {
    // Mounted on a router route: the route decides; the path's last segments say which probe.
    return Object.assign(
      function koaHealth(ctx: Context): Promise<void> | void {
        const segments = ctx.request.path.split('/').filter(Boolean);
        for (const take of [1, 2]) {
          const answered = segments.length >= take && below(ctx, segments.slice(-take).join('/'));
          if (answered !== false) return answered;
        }
        return endpoint.answer(ctx);
      },
      { close, bus },
    );
  }
  const prefix = path === '/' ? '/' : `${path}/`;
  return Object.assign(
    function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
      // The hot path: every other request of the app pays this one compare on the raw URL.
      if (outside(ctx.req.url, path)) return next();
      const requested = ctx.request.path;
      if (requested === path || requested === prefix) return endpoint.answer(ctx);
      if (!requested.startsWith(prefix)) return next();
      const answered = below(ctx, requested.slice(prefix.length));
      return answered === false ? next() : answered;
    },
    { close, bus },
  );
}

/** What a mount answers below its path: `ping`, a probe, or `ready/<name>`; `undefined` for anything else. */
function subpathOf(sub: string): { probe: Probe | 'ping'; name?: string } | undefined {
  const [first, second, extra] = (sub.endsWith('/') ? sub.slice(0, -1) : sub).split('/');
  if (extra !== undefined) return undefined;
  if (second === undefined)
    return first === 'ping' || first === 'live' || first === 'ready' || first === 'startup'
      ? { probe: first }
      : undefined;
  return first === 'ready' && second !== '' ? { probe: 'ready', name: second } : undefined;
}

/** Whether a request path is one a mount on the bus answers (its path, or what it answers below it). */
export function isHealthPath(context: HealthContext, requested: string): boolean {
  for (const path of context.healthPaths()) {
    if (requested === path) return true;
    const prefix = path === '/' ? '/' : `${path}/`;
    if (requested.startsWith(prefix) && (requested === prefix || subpathOf(requested.slice(prefix.length))))
      return true;
  }
  return false;
}

/**
 * Answers requests for the health endpoint, one step at a time: method, parameters, format,
 * maintenance, selection, answer. Each step either answers or hands on. Sync for the cheap answers
 * (bare, maintenance, cached, refreshed), a promise when the answer waits for a run.
 */
export class HealthEndpoint {
  readonly #parts: EndpointParts;
  readonly #config: HealthConfig;
  readonly #engine: HealthEngine;
  // Parses POST bodies of this endpoint only; the app's own parser, if any, has gone first. Made at the first
  // POST: koa-bodyparser and the forty packages under it are not loaded for an app that never posts.
  #parseBody: Promise<Middleware> | undefined;
  // Loaded at the first request for it: the page's template and style are not loaded for an app that never asks.
  #statusPage: Promise<StatusPage> | undefined;
  readonly #refusals: Refusals;

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    ({ config: this.#config, engine: this.#engine } = parts);
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
      this.#parseBody ??= import('koa-bodyparser').then(({ default: bodyParser }) =>
        bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' }),
      );
      const body = await readBody(ctx, await this.#parseBody, this.#config.engine.timeout);
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
  #page(ctx: Context, parameters: HealthParameters): Promise<void> | void {
    if (!this.#authorized(ctx, parameters.auth)) return;
    this.#statusPage ??= import('./status-page.js').then(({ StatusPage }) => new StatusPage(this.#parts));
    return this.#statusPage
      .then((page) => page.answer(ctx, parameters))
      .catch((error: unknown) => replyError(ctx, error, this.#config.showDetails));
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
