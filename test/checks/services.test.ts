import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { requireService } from './services.js';

describe('a service the tests need, when it is missing', () => {
  let port: number;
  before(async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
  });

  const missing = () => ({ name: 'Nothing', port, start: 'start-nothing' });
  const withCI = async (value: string | undefined, fn: () => Promise<void>) => {
    const saved = process.env.CI;
    if (value === undefined) delete process.env.CI;
    else process.env.CI = value;
    try {
      await fn();
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  };

  it('skips with one line saying what to start, outside CI', async () => {
    let skipped = false;
    const context = { skip: () => void (skipped = true) } as unknown as Mocha.Context;
    await withCI(undefined, () => requireService(context, missing()));
    expect(skipped).to.equal(true);
  });

  it('fails under CI=true', async () => {
    const context = { skip: () => expect.fail('skipped under CI') } as unknown as Mocha.Context;
    let caught: unknown;
    await withCI('true', () => requireService(context, missing()).catch((error: unknown) => void (caught = error)));
    expect(caught).to.be.instanceOf(Error).with.property('message').that.includes('start it with: start-nothing');
  });
});
