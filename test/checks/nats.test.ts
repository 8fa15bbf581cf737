import { connect as connectTransport } from '@nats-io/transport-node';
import { expect } from 'chai';
import { connect, type NatsConnection } from 'nats';
import { natsCheck } from '../../src/checks/index.js';
import type { CheckFunction } from '../../src/index.js';
import { runCheck } from '../helpers.js';
import { FaultProxy } from './proxy.js';
import { NATS, requireService } from './services.js';

const run = (fn: CheckFunction, timeout = 300) => runCheck(fn, timeout);

describe('natsCheck() on a real NATS server with nats, through a fault proxy', function () {
  this.timeout(20_000);
  let proxy: FaultProxy;
  let connection: NatsConnection;

  before(async function () {
    await requireService(this, NATS);
    proxy = await FaultProxy.start(NATS.port);
    connection = await connect({
      servers: `127.0.0.1:${proxy.port}`,
      reconnectTimeWait: 50,
      maxReconnectAttempts: -1,
    });
  });
  after(async () => {
    if (connection && !connection.isClosed()) await connection.close();
    await proxy?.close();
  });

  it('passes with a round trip, the time in its details', async () => {
    const result = await run(natsCheck(connection));
    expect(result.status, result.message).to.equal('OK');
    expect(result.message).to.match(/^nats round trip \d+\.\d ms to 127\.0\.0\.1:\d+$/);
    expect(result.details).to.include({ observedUnit: 'ms' });
  });

  it('fails at the deadline while the server is black-holed, and does not stack a second probe', async () => {
    proxy.blackhole();
    try {
      const hung = await run(natsCheck(connection));
      expect(hung).to.include({ status: 'ERROR', message: 'timed out after 300 ms' });
      expect(hung.elapsed).to.be.below(350);
      const again = await run(natsCheck(connection));
      expect(again.message).to.match(/^previous probe still running \(\d+ ms\)$/);
      expect(again.elapsed).to.be.below(50);
    } finally {
      await proxy.restore();
      proxy.cut();
    }
    // The client reconnects through the restored proxy: the check passes again.
    for (let tries = 0; tries < 50; tries++) {
      if ((await run(natsCheck(connection), 1000)).status === 'OK') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect.fail('natsCheck never passed again after the fault was lifted');
  });

  it('fails while the server refuses connections (the client reconnects), and passes once it is back', async () => {
    await proxy.refuse();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const down = await run(natsCheck(connection));
      // nats answers DISCONNECT at once while it reconnects; a round trip sent just before waits to the deadline.
      expect(down.status).to.equal('ERROR');
      expect(down.message).to.match(/^(nats round trip failed: DISCONNECT|timed out after 300 ms)$/);
    } finally {
      await proxy.restore();
    }
    for (let tries = 0; tries < 50; tries++) {
      if ((await run(natsCheck(connection), 1000)).status === 'OK') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect.fail('natsCheck never passed again after the server came back');
  });

  it('fails at once on a connection that is draining or closed', async () => {
    const own = await connect({ servers: `127.0.0.1:${NATS.port}` });
    const draining = own.drain();
    // Called at once, as the drain has only begun.
    let refused: unknown;
    try {
      await natsCheck(own)(new AbortController().signal);
    } catch (error) {
      refused = error;
    }
    expect(String(refused)).to.equal('Error: nats connection draining');
    await draining;
    const closed = await run(natsCheck(own));
    expect(closed).to.include({ status: 'ERROR', message: 'nats connection closed' });
    expect(closed.elapsed).to.be.below(50);
  });

  it('works as well with @nats-io/transport-node (the nats.js v3 client)', async () => {
    const v3 = await connectTransport({ servers: `127.0.0.1:${NATS.port}` });
    try {
      const result = await run(natsCheck(v3));
      expect(result.status, result.message).to.equal('OK');
      expect(result.message).to.match(/^nats round trip \d+\.\d ms to 127\.0\.0\.1:4222$/);
    } finally {
      await v3.close();
    }
    expect((await run(natsCheck(v3))).message).to.equal('nats connection closed');
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => natsCheck({} as never)).to.throw(TypeError, 'natsCheck(): `connection`');
  });
});
