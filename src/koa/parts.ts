import type { Context } from 'koa';
import type { HealthContext, HealthEngine, HealthResult } from '../core/index.js';
import type { AnswerState, HealthReport } from '../formats/index.js';
import type { MaintenanceWatch } from './maintenance.js';
import type { HealthConfig } from './options.js';

/** What the endpoint, the probes and the status page of one `health()` share. */
export interface EndpointParts {
  readonly config: HealthConfig;
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

/** An answer's report: details only with a run behind it, and the names of the checks only to those who may see details. */
export function reportOf(
  { engine }: EndpointParts,
  state: AnswerState,
  statusCode: number,
  result: HealthResult | undefined,
  details: boolean,
): HealthReport {
  return {
    state,
    statusCode,
    result,
    details: result !== undefined && details,
    available: details ? engine.available : undefined,
  };
}
