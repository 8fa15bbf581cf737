import type { Context } from 'koa';
import type { HealthContext, HealthEngine, RunResult } from '../core/index.js';
import type { Answer, AnswerStatus } from '../formats/index.js';
import type { MaintenanceWatch } from './maintenance.js';
import type { HealthConfig } from './options.js';
import type { QueryReader } from './parameters.js';

/** What the endpoint, the probes and the status page of one `health()` share. */
export interface EndpointParts {
  readonly config: HealthConfig;
  /** The one reader of query strings, shared by the endpoint, the probes and the status page. */
  readonly queries: QueryReader;
  readonly engine: HealthEngine;
  readonly maintenance: MaintenanceWatch;
  /** The bus's context: startup passed, draining. */
  readonly context: HealthContext;
}

/** What holds readiness at 503 whatever the checks say: draining, then maintenance; each with since when. */
export function readinessHolds({
  context,
  maintenance,
}: EndpointParts): Array<{ state: 'SHUTTING_DOWN' | 'MAINTENANCE'; since: number | undefined }> {
  const holds: Array<{ state: 'SHUTTING_DOWN' | 'MAINTENANCE'; since: number | undefined }> = [];
  if (context.drainingSince !== undefined) holds.push({ state: 'SHUTTING_DOWN', since: context.drainingSince });
  if (maintenance.active()) holds.push({ state: 'MAINTENANCE', since: maintenance.since });
  return holds;
}

/**
 * Whether a request that passed no secret guard (probes, the bare endpoint, maintenance) may see details:
 * as `details` says, by its own credentials, the bearer token or `auth`.
 */
export function maySeeDetails({ config }: EndpointParts, ctx: Context, auth: string | undefined): boolean {
  const { details, authorize } = config;
  return details === 'always' || (details === 'authorized' && authorize !== undefined && authorize(ctx, auth));
}

/** What the `readiness` and `startup` options name that no check has, as the last run knows them: one line each. */
export function unknownConfigured({ config, engine }: EndpointParts): string[] {
  const problems: string[] = [];
  for (const option of ['readiness', 'startup'] as const) {
    const missing = engine.missing(config[option]);
    if (missing.length > 0) problems.push(`option "${option}" names no check: ${missing.join(', ')}`);
  }
  return problems;
}

/**
 * The one rule for the HTTP status of an answer: `200` when its state passes (OK, WARN); else, for the
 * endpoint, `maintenanceCode` in maintenance and `failureCode` for a failed run, and for the probes `503`
 * whatever those are (Kubernetes counts 200 to 399 as ready, 299 included); `503` while starting or draining.
 */
export function httpStatusOf({ config }: EndpointParts, state: AnswerStatus, probe: boolean): number {
  if (state === 'OK' || state === 'WARN') return 200;
  if (probe) return 503;
  if (state === 'MAINTENANCE') return config.maintenanceCode;
  return state === 'ERROR' ? config.failureCode : 503;
}

/** An answer's report: details only with a run behind it, and the names of the checks only to those who may see details. */
export function reportOf(
  parts: EndpointParts,
  state: AnswerStatus,
  result: RunResult | undefined,
  details: boolean,
  probe = false,
): Answer {
  return {
    state,
    statusCode: httpStatusOf(parts, state, probe),
    result,
    details: result !== undefined && details,
    available: details ? parts.engine.available : undefined,
  };
}
