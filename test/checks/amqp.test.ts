import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { expect } from 'chai';
import { amqpCheck } from '../../src/checks/index.js';
import type { CheckFunction } from '../../src/index.js';
import { runCheck } from '../helpers.js';
import { FaultProxy } from './proxy.js';
import { RABBITMQ, requireService } from './services.js';

const run = (fn: CheckFunction, timeout = 300) => runCheck(fn, timeout);

describe('amqpCheck() on a real RabbitMQ with amqplib, through a fault proxy', function () {
  this.timeout(20_000);
  let proxy: FaultProxy;
  let direct: amqp.ChannelModel;
  // A queue of the test's own, three messages in it; RabbitMQ drops it a minute after its last use anyway.
  const queue = `koa-health-test-${randomUUID()}`;
  const connect = async (port: number) => {
    const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
    // The app's own handler, as every amqplib app has one.
    connection.on('error', () => undefined);
    return connection;
  };

  before(async function () {
    await requireService(this, RABBITMQ);
    proxy = await FaultProxy.start(RABBITMQ.port);
    direct = await connect(RABBITMQ.port);
    const channel = await direct.createChannel();
    await channel.assertQueue(queue, { arguments: { 'x-expires': 60_000 } });
    for (let i = 0; i < 3; i++) channel.sendToQueue(queue, Buffer.from(`job ${i}`));
    await channel.close();
    // Published: let the broker count them.
    for (let tries = 0; tries < 50; tries++) {
      const check = await direct.createChannel();
      const { messageCount } = await check.checkQueue(queue);
      await check.close();
      if (messageCount === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  after(async () => {
    if (direct) {
      const channel = await direct.createChannel();
      await channel.deleteQueue(queue);
      await direct.close();
    }
    await proxy?.close();
  });

  it("passes with a round trip on a channel of its own, and reports a queue's messages and consumers", async () => {
    const connection = await connect(proxy.port);
    try {
      expect((await run(amqpCheck(connection))).message).to.match(/^amqp channel open, round trip \d+ ms$/);
      const counted = await run(amqpCheck(connection, { queue }));
      expect(counted).to.include({ status: 'OK', message: `queue ${queue}: 3 messages, 0 consumers` });
      expect(counted.details).to.include({ messageCount: 3, consumerCount: 0 });
      const backlog = await run(amqpCheck(connection, { queue, maxMessages: 2 }));
      expect(backlog).to.include({
        status: 'WARN',
        message: `queue ${queue}: 3 messages, 0 consumers: more than 2 messages`,
      });
      const idle = await run(amqpCheck(connection, { queue, minConsumers: 1 }));
      expect(idle).to.include({
        status: 'WARN',
        message: `queue ${queue}: 3 messages, 0 consumers: fewer than 1 consumers`,
      });
    } finally {
      await connection.close();
    }
  });

  it('says a queue that does not exist is not found, and keeps the app connection (its channel made again)', async () => {
    const connection = await connect(proxy.port);
    try {
      const missing = await run(amqpCheck(connection, { queue: 'no-such-queue-koa-health' }));
      expect(missing).to.include({ status: 'ERROR', message: 'queue no-such-queue-koa-health not found' });
      expect((await run(amqpCheck(connection, { queue }))).status).to.equal('OK');
      // The app's connection still works.
      const channel = await connection.createChannel();
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  it('fails at the deadline while the broker is black-holed, then at once once the connection is gone', async () => {
    const connection = await connect(proxy.port);
    proxy.blackhole();
    try {
      const hung = await run(amqpCheck(connection, { queue }));
      expect(hung).to.include({ status: 'ERROR', message: 'timed out after 300 ms' });
      expect(hung.elapsed).to.be.below(350);
      expect((await run(amqpCheck(connection, { queue }))).message).to.match(/^previous probe still running/);
      await proxy.refuse();
      for (
        let tries = 0;
        tries < 50 && (await run(amqpCheck(connection))).message !== 'amqp connection closed';
        tries++
      )
        await new Promise((resolve) => setTimeout(resolve, 20));
      const gone = await run(amqpCheck(connection));
      expect(gone).to.include({ status: 'ERROR', message: 'amqp connection closed' });
      expect(gone.elapsed).to.be.below(50);
    } finally {
      await proxy.restore();
    }
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => amqpCheck({} as never)).to.throw(TypeError, 'amqpCheck(): `connection`');
    expect(() => amqpCheck(direct, { queue: '' })).to.throw(TypeError, '`queue`');
    expect(() => amqpCheck(direct, { queue, maxMessages: -1 })).to.throw(TypeError, '`maxMessages`');
    expect(() => amqpCheck(direct, { minConsumers: 1 })).to.throw(TypeError, '`minConsumers`');
    expect(() => amqpCheck(direct, { queues: [] } as object)).to.throw(TypeError, '`queues` is not an option');
  });
});
