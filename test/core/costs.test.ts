import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import type { HealthCheckEvent } from '../../src/index.js';
import { makeApp, sleep } from '../helpers.js';

describe('requests that must not cost more than they should', () => {
  it('shares one run among selections that select the same checks (invented exclusions)', async () => {
    const { app, bus } = makeApp();
    let runs = 0;
    bus.on('healthcheck', async (event) => {
      if (event.wants('db')) runs++;
      await event.check('db', () => sleep(50).then(() => false));
    });
    await request(app.callback()).get('/health?checks=all').expect(503);
    runs = 0;
    const server = app.listen(0, '127.0.0.1');
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => request(server).get(`/health?checks=all&exclude=x${i}`).expect(503)),
      );
    } finally {
      server.close();
    }
    expect(runs).to.equal(1);
  });

  it('caches and logs by the checks selected: invented exclusions share one entry and one log line', async () => {
    const { app, bus, logger } = makeApp({ cache: { success: 60_000, failure: 60_000 } });
    let runs = 0;
    bus.on('healthcheck', (event) => {
      if (event.wants('db')) runs++;
      event.report('db', 'ERROR', 'refused');
    });
    for (let i = 0; i < 20; i++) await request(app.callback()).get(`/health?checks=all&exclude=x${i}`).expect(503);
    expect(runs).to.equal(1);
    expect(logger.lines).to.deep.equal([['error', 'Health response: ERROR (db=ERROR "refused")']]);
  });

  it('keeps a finished run as it was: a late report changes neither its results nor the names it knows', async () => {
    const { app, bus, middleware } = makeApp({ refreshInterval: 60_000, timeout: 50 });
    try {
      let captured: HealthCheckEvent | undefined;
      bus.on('healthcheck', (event) => {
        captured = event;
        event.report('db', 'OK');
      });
      // Answered from the background run, as every request is until the next one.
      await request(app.callback()).get('/health?checks=all').expect(200);
      await request(app.callback()).get('/health?checks=late').expect(400);
      captured!.report('late', 'ERROR', 'after the deadline');
      expect(captured!.wants('later')).to.equal(false);
      expect(captured!.checks.map(({ name }) => name)).to.deep.equal(['db']);
      await request(app.callback()).get('/health?checks=late').expect(400);
      await request(app.callback()).get('/health?checks=later').expect(400);
    } finally {
      middleware.close();
    }
  });

  it('answers a POST whose body never ends with 408 at the run deadline, and closes the connection', async () => {
    const { app } = makeApp({ timeout: 200 });
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      const started = performance.now();
      socket.write(
        'POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"checks":',
      );
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      await new Promise((resolve) => socket.once('close', resolve));
      const elapsed = performance.now() - started;
      expect(answer).to.match(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).to.include('connection: close');
      expect(answer).to.include('request body not received in time');
      expect(elapsed).to.be.at.least(190).and.below(5000);
    } finally {
      server.close();
    }
  });
});
