import { type Outcome, optionError, outcome } from '../core/index.js';
import { probeOnce } from './probe.js';

/** A pool's counters, read as its driver keeps them. */
export interface PoolCounters {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

/**
 * The rule the database checks share: a saturated pool (at its max, none idle) fails at once rather than
 * queue one more query behind the app's own; else one probe per client, its counters in the details.
 */
export async function probePool(
  client: object,
  signal: AbortSignal,
  counters: () => PoolCounters | undefined,
  query: () => Promise<unknown>,
): Promise<Outcome> {
  const before = counters();
  if (before !== undefined && before.total >= before.max && before.idle === 0) {
    return outcome('ERROR', `pool saturated: ${before.waiting} waiting`, details(before));
  }
  const started = performance.now();
  await probeOnce(client, signal, query);
  const after = counters();
  return outcome('OK', `query answered in ${Math.round(performance.now() - started)} ms`, after && details(after));
}

function details({ total, idle, waiting, max }: PoolCounters): Record<string, number> {
  return { totalCount: total, idleCount: idle, waitingCount: waiting, max };
}

/** The query option of the database checks: a non-empty string. */
export function validQuery(value: unknown, factory: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw optionError(factory, 'query', 'a non-empty SQL string', value);
  return value;
}
