import { type CheckFunction, knownOptions } from '../core/index.js';
import { type PoolCounters, probePool, validQuery } from './pool.js';
import { argumentError } from './probe.js';

/** What `postgresCheck()` uses of a node-postgres `Pool` or `Client`. */
export interface PostgresClient {
  query(text: string): Promise<unknown>;
  readonly totalCount?: number;
  readonly idleCount?: number;
  readonly waitingCount?: number;
  readonly options?: { readonly max?: number };
}

/** Options of `postgresCheck()`. */
export interface PostgresCheckOptions {
  /**
   * The query to run.
   * @default 'SELECT 1'
   */
  query?: string;
}

/**
 * Checks PostgreSQL through the app's own node-postgres `Pool` or `Client`: a saturated pool fails at once
 * (`pool saturated: N waiting`), else the query runs, one at a time per client; pool counters in the details.
 * @throws {TypeError} when `client` has no `query()` or an option is wrong
 */
export function postgresCheck(client: PostgresClient, options: PostgresCheckOptions = {}): CheckFunction {
  if (typeof (client as Partial<PostgresClient> | null)?.query !== 'function') {
    throw argumentError('postgresCheck()', 'client', 'a node-postgres Pool or Client', client);
  }
  knownOptions(options, ['query'], 'postgresCheck()');
  const query = validQuery(options.query ?? 'SELECT 1', 'postgresCheck()');
  return (signal) =>
    probePool(
      client,
      signal,
      () => counters(client),
      () => client.query(query),
    );
}

/** A Pool's counters; `undefined` for a Client. */
function counters(client: PostgresClient): PoolCounters | undefined {
  const { totalCount, idleCount, waitingCount } = client;
  if (typeof totalCount !== 'number' || typeof idleCount !== 'number' || typeof waitingCount !== 'number')
    return undefined;
  return { total: totalCount, idle: idleCount, waiting: waitingCount, max: client.options?.max ?? 10 };
}
