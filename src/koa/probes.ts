import type { Context } from 'koa';
import { listItems, passes, Selection, type CheckList, type HealthEngine, type HealthResult, type Lifecycle } from '../core/index.js';
import { MEDIA_TYPES, negotiate, TEXT, type AnswerState } from '../formats/index.js';
import { allowedMethod, replyError, writeReport } from './answer.js';
import type { HealthConfig } from './options.js';
import { listParameter, MAX_PARAMETER_LENGTH, textParameter } from './parameters.js';
import { maySeeDetails, readinessHolds, reportOf, type EndpointParts } from './parts.js';
import { replyText, setHeader } from './reply.js';

/** The three probe endpoints under the health path. */
export type Probe = 'live' | 'ready' | 'startup';

/** A probe's verdict: its state, and a line per check (and per reason) for `?verbose`. */
interface Verdict {
  readonly state: AnswerState;
  readonly result: HealthResult | undefined;
  readonly lines: readonly string[];
}

/**
 * Kubernetes' probes: `live` runs nothing and stands through maintenance, draining and failing checks;
 * `ready` runs the readiness checks (and the startup ones until they have passed) and falls in
 * maintenance, while draining and until startup; `startup` passes once, for the life of the process.
 * No secret needed; details as `details` allows. kube-apiserver's `?verbose` and `?exclude=` too.
 */
export class ProbeEndpoint {
  readonly #parts: EndpointParts;
  readonly #config: HealthConfig;
  readonly #engine: HealthEngine;
  readonly #lifecycle: Lifecycle;

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    ({ config: this.#config, engine: this.#engine, lifecycle: this.#lifecycle } = parts);
  }

  /** Answers `path/<probe>`, or `path/ready/<name>` for one check. */
  answer(ctx: Context, probe: Probe, name?: string): Promise<void> | void {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (!allowedMethod(ctx)) return;
    if (ctx.request.querystring.length > MAX_PARAMETER_LENGTH) return replyText(ctx, 414, 'query string too long');
    const { verbose } = ctx.query;
    let format: string | undefined;
    let excluded: string[];
    try {
      format = textParameter(ctx.query.format, 'format');
      excluded = listItems(listParameter(ctx.query.exclude, 'exclude'));
    } catch (error) {
      return replyError(ctx, error);
    }
    const negotiated = negotiate(ctx, format);
    if (negotiated === undefined) return replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}`);
    // A probe has no page of its own: a browser gets the text answer.
    const formatName = negotiated === 'html' ? 'text' : negotiated;
    // No guard here: whether this caller sees details is decided per request.
    const allowed = maySeeDetails(this.#parts, ctx, false);
    let verdict: Promise<Verdict> | Verdict;
    try {
      verdict = probe === 'live' ? { state: 'OK', result: undefined, lines: ['[+]ping ok'] } : this.#judge(probe, name, excluded, allowed);
    } catch (error) {
      return replyError(ctx, error);
    }
    const send = ({ state, result, lines }: Verdict): void => {
      const statusCode = state === 'OK' || state === 'WARN' ? 200 : 503;
      if (verbose === undefined) {
        return writeReport(ctx, this.#config, formatName, reportOf(this.#parts, state, statusCode, result, allowed));
      }
      const passed = statusCode === 200 ? 'passed' : 'failed';
      ctx.response.status = statusCode;
      setHeader(ctx, 'Content-Type', TEXT);
      ctx.response.body = `${[...lines, `${probe}z check ${passed}`].join('\n')}\n`;
    };
    if (!(verdict instanceof Promise)) return send(verdict);
    return verdict.then(send, (error: unknown) => replyError(ctx, error));
  }

  /** Whether the instance is ready (or has started), and why not. */
  #judge(probe: 'ready' | 'startup', name: string | undefined, excluded: readonly string[], allowed: boolean): Promise<Verdict> | Verdict {
    const lifecycle = this.#lifecycle;
    if (probe === 'startup' && lifecycle.startedAt !== undefined) return { state: 'OK', result: undefined, lines: ['[+]startup ok'] };
    const holds = probe === 'ready' ? readinessHolds(this.#parts) : [];
    if (holds.length > 0) {
      const lines = holds.map(({ state }) => (state === 'SHUTTING_DOWN' ? '[-]shutdown failed: draining' : '[-]maintenance failed: disable file present'));
      return { state: holds[0]!.state, result: undefined, lines };
    }
    const { readiness, startup } = this.#config;
    const starting = lifecycle.startedAt === undefined;
    const wanted: CheckList = name !== undefined ? [name] : probe === 'startup' ? startup : starting ? [readiness, startup].flat() : readiness;
    const selection = Selection.parse(wanted, excluded) ?? Selection.none;
    return this.#engine.serve(selection).then(({ result }) => {
      if (starting && name === undefined) this.#noteStartup(result, excluded);
      const lines = result.checks.map(({ name: check, status, message }) => line(check, status, message, allowed));
      for (const skipped of excluded) lines.push(`[+]${skipped} excluded: ok`);
      // Until startup has passed, that is the reason that counts: STARTING, whatever else failed.
      const state: AnswerState = lifecycle.startedAt === undefined && name === undefined ? 'STARTING' : result.status;
      if (state === 'STARTING') lines.push('[-]startup failed: not yet passed');
      return { state, result, lines };
    });
  }

  /** Startup passes once: when a run of the whole startup selection (nothing excluded) did not fail. */
  #noteStartup(result: HealthResult, excluded: readonly string[]): void {
    if (excluded.length > 0) return;
    const known = new Set(this.#engine.selects(Selection.parse(this.#config.startup) ?? Selection.none));
    const failed = result.checks.some(({ name, status }) => known.has(name) && !passes(status));
    if (!failed) this.#lifecycle.startedAt = Date.now();
  }
}

/** One line of `?verbose`, as kube-apiserver writes them; the reason only where details are allowed. */
function line(name: string, status: string, message: string, details: boolean): string {
  if (status === 'OK') return `[+]${name} ok`;
  const reason = details ? message || status : 'reason withheld';
  return status === 'WARN' ? `[+]${name} warn: ${reason}` : `[-]${name} failed: ${reason}`;
}
