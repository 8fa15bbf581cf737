import type { CheckFunction } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** What `redisCheck()` uses of an ioredis client or a node-redis (v4 and later) client. */
export interface RedisClient {
  ping(): Promise<unknown>;
  /** ioredis: `'ready'` when commands go out at once. */
  readonly status?: string;
  /** node-redis: `true` when commands go out at once. */
  readonly isReady?: boolean;
}

/**
 * Checks Redis through the app's own ioredis or node-redis client. A client that is not ready fails at
 * once with its state: a command is never sent into an offline queue, where it would wait through the
 * client's retries (forever with ioredis' `maxRetriesPerRequest: null`). Else `PING` must answer `PONG`.
 * @throws {TypeError} when `client` is neither
 */
export function redisCheck(client: RedisClient): CheckFunction {
  const candidate = client as Partial<RedisClient> | null;
  if (
    typeof candidate?.ping !== 'function' ||
    (typeof candidate.status !== 'string' && typeof candidate.isReady !== 'boolean')
  ) {
    throw argumentError('redisCheck()', 'client', 'an ioredis or node-redis client', client);
  }
  return async (signal) => {
    const state = notReady(client);
    if (state !== undefined) throw new Error(`redis not ready: ${state}`);
    const started = performance.now();
    const reply = await probeOnce(client, signal, () => client.ping());
    if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}, not PONG`);
    return `PONG in ${Math.round(performance.now() - started)} ms`;
  };
}

/** The client's state when it would not send a command at once; `undefined` when ready. */
function notReady(client: RedisClient): string | undefined {
  if (typeof client.status === 'string') return client.status === 'ready' ? undefined : client.status;
  return client.isReady === true ? undefined : 'not ready (isReady is false)';
}
