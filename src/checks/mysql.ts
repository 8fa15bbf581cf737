import { type CheckFunction, knownOptions } from '../core/index.js';
import { type PoolCounters, probePool, validQuery } from './pool.js';
import { argumentError } from './probe.js';

/** What `mysqlCheck()` uses of a mysql2 pool or connection, promise or callback API. */
export interface MysqlClient {
  /** `query(sql)` of the promise API, or `query(sql, callback)` of the callback API. */
  query(sql: string, ...rest: never[]): unknown;
  /** The callback API has it; the promise API does not. */
  promise?: unknown;
  /** A promise pool's callback pool, where the counters are. */
  readonly pool?: unknown;
}

/** Options of `mysqlCheck()`. */
export interface MysqlCheckOptions {
  /**
   * The query to run.
   * @default 'SELECT 1'
   */
  query?: string;
}

/**
 * Checks MySQL or MariaDB through the app's own mysql2 pool or connection (promise or callback API): a
 * saturated pool fails at once (mysql2's own timeouts do not cover waiting for a busy pool), else the
 * query runs, one at a time per client; pool counters in the details.
 * @throws {TypeError} when `client` has no `query()` or an option is wrong
 */
export function mysqlCheck(client: MysqlClient, options: MysqlCheckOptions = {}): CheckFunction {
  if (typeof (client as Partial<MysqlClient> | null)?.query !== 'function') {
    throw argumentError('mysqlCheck()', 'client', 'a mysql2 pool or connection', client);
  }
  knownOptions(options, ['query'], 'mysqlCheck()');
  const query = validQuery(options.query ?? 'SELECT 1', 'mysqlCheck()');
  const run =
    typeof client.promise === 'function'
      ? // The callback API: a query without a callback would report its errors as events nobody handles.
        () =>
          new Promise<void>(
            (resolve, reject) =>
              void (client as CallbackClient).query(query, (error) => (error ? reject(error) : resolve())),
          )
      : () => Promise.resolve(client.query(query));
  return (signal) => probePool(client, signal, () => counters(client), run);
}

/** The callback API's `query()`. */
interface CallbackClient {
  query(sql: string, callback: (error: unknown) => void): unknown;
}

/** mysql2 keeps a pool's counters in fields of its own (the callback pool, or a promise pool's `.pool`). */
function counters(client: MysqlClient): PoolCounters | undefined {
  const pool = (typeof client.pool === 'object' && client.pool !== null ? client.pool : client) as {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
    _connectionQueue?: { length: number };
    config?: { connectionLimit?: number };
  };
  const { _allConnections: all, _freeConnections: free, _connectionQueue: queue, config } = pool;
  if (all === undefined || free === undefined || queue === undefined) return undefined;
  // A connectionLimit of 0 means no limit.
  const max = config?.connectionLimit || Infinity;
  return { total: all.length, idle: free.length, waiting: queue.length, max };
}
