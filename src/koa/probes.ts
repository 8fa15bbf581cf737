import type { Context } from 'koa';
import {
  type HealthContext,
  type HealthEngine,
  listItems,
  logText,
  passes,
  type RunResult,
  Selection,
  SelectionError,
} from '../core/index.js';
import { type AnswerStatus, negotiate, TEXT } from '../formats/index.js';
import {
  allowedMethod,
  type EndpointParts,
  httpStatusOf,
  maySeeDetails,
  readinessHolds,
  replyError,
  replyNotAcceptable,
  replyText,
  reportOf,
  setHeader,
  unknownConfigured,
  writeReport,
} from './answer.js';
import type { HealthConfig } from './options.js';
import type { GivenParameters } from './parameters.js';

/** The three probe endpoints under the health path. */
export type Probe = 'live' | 'ready' | 'startup';

/** A probe's verdict: its status, a line per check (and per reason) for `?verbose`, and the app's reasons. */
interface ProbeAnswer {
  readonly status: AnswerStatus;
  readonly result: RunResult | undefined;
  /** Written only for `?verbose`: a probe without it (the kubelet's every few seconds) makes none. */
  readonly lines: () => readonly string[];
  readonly reasons?: readonly string[];
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
  readonly #context: HealthContext;
  // What the options name that no check has, logged already; and the list of known names it was judged by.
  readonly #reported = new Set<string>();
  #checkedAgainst: readonly string[] | undefined;

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    ({ config: this.#config, engine: this.#engine, context: this.#context } = parts);
  }

  /** Answers `path/<probe>`, or `path/ready/<name>` for one check. */
  answer(ctx: Context, probe: Probe, name?: string): Promise<void> | void {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (!allowedMethod(ctx)) return;
    let given: GivenParameters;
    let excluded: string[];
    try {
      ({ given } = this.#parts.queries.read(ctx));
      excluded = listItems(given.exclude);
    } catch (error) {
      return replyError(ctx, error);
    }
    const { format, auth } = given;
    const { verbose } = ctx.query;
    const negotiated = negotiate(ctx, format);
    if (negotiated === undefined) return replyNotAcceptable(ctx);
    // A probe has no page of its own: a browser gets the text answer.
    const formatName = negotiated === 'html' ? 'text' : negotiated;
    // No guard here: whether this caller sees details is decided per request.
    const allowed = maySeeDetails(this.#parts, ctx, auth);
    let verdict: Promise<ProbeAnswer> | ProbeAnswer;
    try {
      verdict = probe === 'live' ? this.#live(allowed) : this.#judge(probe, name, excluded, allowed);
    } catch (error) {
      return replyError(ctx, error);
    }
    const send = ({ status, result, lines, reasons }: ProbeAnswer): void => {
      if (verbose === undefined) {
        const report = reportOf(this.#parts, status, result, allowed, true, reasons);
        return writeReport(ctx, this.#config, formatName, report);
      }
      const statusCode = httpStatusOf(this.#parts, status, true);
      const passed = statusCode === 200 ? 'passed' : 'failed';
      ctx.response.status = statusCode;
      setHeader(ctx, 'Content-Type', TEXT);
      ctx.response.body = `${[...lines(), `${probe}z check ${passed}`].join('\n')}\n`;
    };
    if (!(verdict instanceof Promise)) return send(verdict);
    return verdict.then(send, (error: unknown) => {
      // `path/ready/<name>` for a name no check has: the known names only to those who may see details.
      if (error instanceof SelectionError && name !== undefined)
        return replyText(ctx, 404, allowed ? error.message : error.brief);
      return replyError(ctx, error, allowed);
    });
  }

  /** Liveness runs nothing: it fails only once the app marked itself broken. */
  #live(allowed: boolean): ProbeAnswer {
    const { liveness, reasons } = this.#context.availability.state;
    if (liveness === 'CORRECT') return { status: 'OK', result: undefined, lines: () => ['[+]ping ok'] };
    const lines = (): string[] =>
      reasons.liveness.map((reason) => `[-]broken failed: ${allowed ? reason : 'reason withheld'}`);
    return { status: 'BROKEN', result: undefined, lines, reasons: reasons.liveness };
  }

  /** Whether the instance is ready (or has started), and why not. */
  #judge(
    probe: 'ready' | 'startup',
    name: string | undefined,
    excluded: readonly string[],
    allowed: boolean,
  ): Promise<ProbeAnswer> | ProbeAnswer {
    const context = this.#context;
    const holds = probe === 'ready' ? readinessHolds(this.#parts) : [];
    if (holds.length > 0) {
      const lines = (): string[] =>
        holds.flatMap(({ status, reasons }) =>
          status === 'SHUTTING_DOWN'
            ? ['[-]shutdown failed: draining']
            : status === 'MAINTENANCE'
              ? ['[-]maintenance failed: disable file present']
              : reasons.map((reason) => `[-]refusing failed: ${allowed ? reason : 'reason withheld'}`),
        );
      const reasons = holds.flatMap((hold) => (hold.status === 'REFUSING' ? hold.reasons : []));
      return { status: holds[0]!.status, result: undefined, lines, reasons };
    }
    // Startup waits for the app's own work (`block()`) before its checks are run at all.
    const blocked = context.availability.startupHold;
    if (blocked !== undefined) {
      const lines = (): string[] => [`[-]startup failed: ${allowed ? blocked.reason : 'reason withheld'}`];
      return { status: blocked.status, result: undefined, lines, reasons: [blocked.reason] };
    }
    if (probe === 'startup' && context.startedAt !== undefined)
      return { status: 'OK', result: undefined, lines: () => ['[+]startup ok'] };
    const starting = context.startedAt === undefined;
    if (name !== undefined) {
      // Exactly the one check named: `all`, `TRUE`, `a,b` and `@tag` are not selections here.
      return this.#engine
        .serve(Selection.named(name, excluded))
        .then(({ result }) => verdictOf(result, result.status, excluded, allowed));
    }
    const { readiness, startup, starting: both } = this.#config;
    const selection = (probe === 'startup' ? startup : starting ? both : readiness).excluding(excluded);
    // A configured name that no check has is logged once and left out: never a 400 to the kubelet forever.
    return this.#engine.serve(selection, true).then(({ result }) => {
      this.#reportUnknown();
      if (starting) this.#noteStartup(result, excluded);
      // Until startup has passed, that is the reason that counts: STARTING, whatever else failed.
      const status = context.startedAt === undefined ? 'STARTING' : result.status;
      return verdictOf(result, status, excluded, allowed);
    });
  }

  /** Runs the startup checks as `path/startup` does, for `whenReady()` when no probe comes. */
  runStartup(): Promise<void> {
    return this.#engine.serve(this.#config.startup, true).then(({ result }) => this.#noteStartup(result, []));
  }

  /** Logs, once each, what the `readiness` and `startup` options name that the checks known now do not have. */
  #reportUnknown(): void {
    const { available } = this.#engine;
    if (available === this.#checkedAgainst) return;
    this.#checkedAgainst = available;
    for (const problem of unknownConfigured(this.#parts)) {
      if (this.#reported.has(problem)) continue;
      this.#reported.add(problem);
      this.#config.logger.error(
        `koa-health: ${problem} (known: ${available.join(', ') || 'none'}); the probes leave it out`,
      );
    }
  }

  /** Startup passes once: when a run of the whole startup selection (nothing excluded) did not fail. */
  #noteStartup(result: RunResult, excluded: readonly string[]): void {
    if (excluded.length > 0) return;
    const known = new Set(this.#engine.selects(this.#config.startup));
    const failed = result.checks.some(({ name, status }) => known.has(name) && !passes(status));
    if (!failed) this.#context.markStarted();
  }
}

/** A verdict from a run: a line per check, one per exclusion, and one while startup has not passed. */
function verdictOf(
  result: RunResult,
  status: AnswerStatus,
  excluded: readonly string[],
  allowed: boolean,
): ProbeAnswer {
  const lines = (): string[] => {
    const written = result.checks.map(({ name, status, message }) => line(name, status, message, allowed));
    for (const skipped of excluded) written.push(`[+]${skipped} excluded: ok`);
    if (status === 'STARTING') written.push('[-]startup failed: not yet passed');
    return written;
  };
  return { status, result, lines };
}

/**
 * One line of `?verbose`, as kube-apiserver writes them; the reason only where details are allowed, its line
 * breaks and control characters escaped (an SQL error quoting a query cannot add a line of its own).
 */
function line(name: string, status: string, message: string, details: boolean): string {
  if (status === 'OK') return `[+]${logText(name)} ok`;
  const reason = details ? logText(message || status) : 'reason withheld';
  return status === 'WARN' ? `[+]${logText(name)} warn: ${reason}` : `[-]${logText(name)} failed: ${reason}`;
}
