import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { tcpCheck } from '../../src/checks/index.js';

describe('tcpCheck()', () => {
  it('passes against a listening port and closes its connection', async () => {
    let closed = false;
    const server = createServer((socket) => socket.on('close', () => (closed = true))).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await tcpCheck('127.0.0.1', port)(new AbortController().signal)).to.match(
        /^connected to 127\.0\.0\.1:\d+ in \d+ ms$/,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).to.equal(true);
    } finally {
      server.close();
    }
  });

  it('fails against a closed port with the error code', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const failure = await Promise.resolve(tcpCheck('127.0.0.1', port)(new AbortController().signal)).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.equal(`ECONNREFUSED connecting to 127.0.0.1:${port}`);
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => tcpCheck('', 1)).to.throw(TypeError, '`host`');
    expect(() => tcpCheck('localhost', 70000)).to.throw(TypeError, '`port`');
  });
});
