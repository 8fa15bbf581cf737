import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { type RedisClient, redisCheck } from '../../src/checks/index.js';
import { createHealthBus, registerCheck, runHealthChecks } from '../../src/index.js';
import { FaultProxy } from './proxy.js';
import { serverCheckSuite } from './server-suite.js';
import { REDIS, requireService } from './services.js';

function counting<Client extends RedisClient>(client: Client, calls: { count: number }): Client {
  return Object.assign(Object.create(client) as Client, {
    ping: () => {
      calls.count++;
      return client.ping();
    },
  });
}

serverCheckSuite<Redis>('redisCheck() on a real Redis with ioredis, through a fault proxy', {
  service: REDIS,
  async connect(port) {
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    return client;
  },
  check: (client) => redisCheck(client),
  counting,
  refused: /^redis not ready: (reconnecting|connecting|close)/,
  close: async (client) => void client.disconnect(),
});

/** What the suite uses of a node-redis client. */
type NodeRedis = RedisClient & { destroy(): void };

serverCheckSuite<NodeRedis>('redisCheck() on a real Redis with node-redis, through a fault proxy', {
  service: REDIS,
  async connect(port) {
    const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 } });
    client.on('error', () => undefined);
    await client.connect();
    return client as unknown as NodeRedis;
  },
  check: (client) => redisCheck(client),
  counting,
  refused: /^redis not ready/,
  close: async (client) => void client.destroy(),
});

describe('redisCheck() and the offline queue', function () {
  this.timeout(10_000);
  before(async function () {
    await requireService(this, REDIS);
  });

  it('fails at once with the state, never queueing a PING, while an ioredis client with maxRetriesPerRequest: null is down', async () => {
    const proxy = await FaultProxy.start(REDIS.port);
    const client = new Redis({
      host: '127.0.0.1',
      port: proxy.port,
      retryStrategy: () => 50,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => undefined);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      await proxy.refuse();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const bus = createHealthBus();
      registerCheck('cache', redisCheck(client), { bus });
      const started = performance.now();
      const { checks } = await runHealthChecks({ bus, timeout: 1000, logger: false });
      expect(checks[0]!.message).to.match(/^redis not ready: /);
      expect(performance.now() - started).to.be.below(100);
      expect((client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).to.equal(0);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('throws a TypeError for something that is not a Redis client', () => {
    expect(() => redisCheck({} as RedisClient)).to.throw(TypeError, '`client`');
    expect(() => redisCheck({ ping: async () => 'PONG' })).to.throw(TypeError, '`client`');
  });
});
