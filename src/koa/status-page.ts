import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Context } from 'koa';
import { failingNames, type HealthContext, type HealthEngine, type ServedResult } from '../core/index.js';
import { PAGE_CSP, type ProbeRow, renderPage } from '../ui/page.js';
import { type EndpointParts, httpStatusOf, readinessHolds, setHeader, unknownConfigured } from './answer.js';
import type { MaintenanceWatch } from './maintenance.js';
import type { HealthConfig } from './options.js';
import type { HealthParameters } from './parameters.js';

// The package's own version, read once: the page shows it.
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Builds the status page from what the engine already knows, and answers it. */
export class StatusPage {
  readonly #parts: EndpointParts;
  readonly #config: HealthConfig;
  readonly #engine: HealthEngine;
  readonly #maintenance: MaintenanceWatch;
  readonly #context: HealthContext;

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    ({ config: this.#config, engine: this.#engine, maintenance: this.#maintenance, context: this.#context } = parts);
  }

  /** Answers the page; with a selection, runs it first (or takes it from the cache or the background run). */
  answer(ctx: Context, parameters: HealthParameters): Promise<void> | void {
    const { selection } = parameters;
    if (selection === undefined) return this.#send(ctx, undefined, parameters);
    return this.#engine.serve(selection).then((served) => this.#send(ctx, served, parameters));
  }

  #send(ctx: Context, served: ServedResult | undefined, parameters: HealthParameters): void {
    const now = Date.now();
    const bare = this.#bare();
    const query = served === undefined ? undefined : this.#queryRow(ctx, served);
    const { availability } = this.#context;
    const state = availability.state;
    const broken = state.liveness === 'BROKEN';
    const live: ProbeRow = {
      probe: 'live',
      path: `${this.#base(ctx)}/live`,
      statusCode: broken ? 503 : 200,
      state: broken ? 'BROKEN' : 'OK',
      reason: broken ? this.#why('marked broken', state.reasons.liveness) : 'the process serves',
    };
    const probes = [bare, live, this.#ready(ctx, now), this.#startup(ctx), ...(query ? [query] : [])];
    const ready = probes[2]!;
    // In maintenance the title says so whatever was asked: the checks may pass, the instance is still out.
    const title =
      bare.state === 'MAINTENANCE' ? bare.state : (query?.state ?? (ready.statusCode === 0 ? bare.state : ready.state));
    // The checks' changes and the app's, newest first, as many as the history keeps.
    const changes = availability.changes.map(({ at, kind, before, after, reason }) => ({
      at,
      check: kind,
      from: before,
      to: after,
      message: reason,
    }));
    const transitions = [...this.#engine.history.transitions, ...changes]
      .sort((a, b) => b.at - a.at)
      .slice(0, Math.max(this.#engine.history.size, changes.length));
    const html = renderPage({
      state: title,
      now,
      probes,
      details: this.#config.showDetails,
      checks: this.#engine.history.checks,
      transitions,
      timeline: (check) => this.#engine.history.timeline(check),
      overall: this.#engine.history.overall,
      availability: state,
      shedding: availability.shedding,
      facts: { hostname: hostname(), uptime: process.uptime(), version: VERSION, refreshing: this.#engine.refreshing },
      runAllHref: this.#link(ctx, parameters),
      refresh: parameters.refresh,
    });
    ctx.response.status = bare.state === 'MAINTENANCE' ? bare.statusCode : (query?.statusCode ?? bare.statusCode);
    setHeader(ctx, 'Content-Type', 'text/html; charset=utf-8');
    setHeader(ctx, 'Content-Security-Policy', PAGE_CSP);
    setHeader(ctx, 'X-Content-Type-Options', 'nosniff');
    setHeader(ctx, 'Referrer-Policy', 'no-referrer');
    ctx.response.body = html;
  }

  #base(ctx: Context): string {
    const { path: endpoint } = this.#config;
    return endpoint === false ? ctx.path.replace(/\/$/, '') : endpoint === '/' ? '' : endpoint;
  }

  #link(ctx: Context, { auth, authInQuery, refresh }: HealthParameters): string {
    const params = new URLSearchParams({ checks: 'all', format: 'html' });
    // The secret came in the URL: the link keeps it, or the page behind it would answer 401.
    if (auth !== undefined && authInQuery) params.set('auth', auth);
    if (refresh !== undefined) params.set('refresh', String(refresh));
    return `${this.#base(ctx) || '/'}?${params.toString()}`;
  }

  #bare(): ProbeRow {
    const { maintenanceCode, disableFile, path: endpoint } = this.#config;
    const path = endpoint === false ? '(this route)' : endpoint;
    if (!this.#maintenance.active())
      return { probe: 'bare', path, statusCode: 200, state: 'OK', reason: 'runs nothing' };
    return {
      probe: 'bare',
      path,
      statusCode: maintenanceCode,
      state: 'MAINTENANCE',
      reason: `disable file ${String(disableFile)} present${since(this.#maintenance.since)}`,
    };
  }

  #ready(ctx: Context, now: number): ProbeRow {
    const row = (statusCode: number, state: string, reason: string): ProbeRow => ({
      probe: 'ready',
      path: `${this.#base(ctx)}/ready`,
      statusCode,
      state,
      reason,
    });
    const [hold] = readinessHolds(this.#parts);
    if (hold?.status === 'SHUTTING_DOWN') return row(503, hold.status, `draining${since(hold.since)}`);
    if (hold?.status === 'REFUSING')
      return row(503, hold.status, this.#why(`the app refuses traffic${since(hold.since)}`, hold.reasons));
    if (hold?.status === 'MAINTENANCE')
      return row(503, hold.status, `disable file ${String(this.#config.disableFile)} present${since(hold.since)}`);
    const blocked = this.#context.availability.startupHold;
    if (blocked !== undefined) return row(503, blocked.status, this.#why('startup', [blocked.reason]));
    if (this.#context.startedAt === undefined) return row(503, 'STARTING', 'the startup checks have not passed yet');
    const names = new Set(this.#engine.selects(this.#config.readiness));
    const states = this.#engine.history.checks.filter(({ name }) => names.has(name));
    // A configured name no check has is left out by the probes: the page says so beside the verdict.
    const unknown = unknownConfigured(this.#parts)
      .map((problem) => `; ${problem}`)
      .join('');
    if (states.length === 0)
      return row(0, 'NOT RUN', `no readiness check has run yet: the next probe runs them${unknown}`);
    const failing = failingNames(states.filter(({ critical }) => critical));
    const age = `as of the last run, ${Math.round((now - Math.max(...states.map(({ lastChecked }) => lastChecked))) / 1000)} s ago`;
    const reason =
      failing.length > 0 ? `failing: ${failing.join(', ')} (${age})` : `the readiness checks pass (${age})`;
    return row(failing.length > 0 ? 503 : 200, failing.length > 0 ? 'ERROR' : 'OK', reason + unknown);
  }

  /** What the app said, where messages may be shown; else only that it said something. */
  #why(what: string, reasons: readonly string[]): string {
    return this.#config.showDetails ? `${what}: ${reasons.join('; ')}` : `${what} (reason withheld)`;
  }

  #startup(ctx: Context): ProbeRow {
    const { startedAt } = this.#context;
    const path = `${this.#base(ctx)}/startup`;
    const blocked = this.#context.availability.startupHold;
    if (blocked !== undefined)
      return {
        probe: 'startup',
        path,
        statusCode: 503,
        state: blocked.status,
        reason: this.#why('startup', [blocked.reason]),
      };
    return startedAt === undefined
      ? { probe: 'startup', path, statusCode: 503, state: 'STARTING', reason: 'the startup checks have not passed yet' }
      : { probe: 'startup', path, statusCode: 200, state: 'OK', reason: `passed${since(startedAt)}` };
  }

  #queryRow(ctx: Context, { result, age }: ServedResult): ProbeRow {
    const statusCode = httpStatusOf(this.#parts, result.status, false);
    const failing = failingNames(result.checks);
    const from =
      age === undefined
        ? 'run for this request'
        : `a result ${Math.round(age / 1000)} s old (${this.#engine.refreshing ? 'background run' : 'cached'})`;
    const reason =
      failing.length > 0 ? `failing: ${failing.join(', ')}; ${from}` : `all ${result.checks.length} passed; ${from}`;
    // The secret may have come in the query: it stays in links (a link without it would answer 401), never in text.
    const shown = new URLSearchParams(ctx.querystring);
    shown.delete('auth');
    return {
      probe: 'this query',
      path: `${this.#base(ctx)}?${shown.toString()}`,
      statusCode,
      state: result.status,
      reason,
    };
  }
}

function since(at: number | undefined): string {
  return at === undefined ? '' : ` since ${new Date(at).toISOString()}`;
}
