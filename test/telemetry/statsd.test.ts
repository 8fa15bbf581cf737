import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import StatsD from 'hot-shots';
import { createHealthBus, registerCheck, runHealthChecks } from '../../src/index.js';
import { statsdReporter } from '../../src/telemetry/statsd.js';

/** A UDP socket on 127.0.0.1, port 0, that keeps every DogStatsD line it receives. */
async function listen(): Promise<{ socket: Socket; port: number; lines: string[] }> {
  const socket = createSocket('udp4');
  const lines: string[] = [];
  socket.on('message', (message) => lines.push(...message.toString().split('\n').filter(Boolean)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: (socket.address() as AddressInfo).port, lines };
}

/** A service check line, parsed: `_sc|name|status|#tags|m:message`. */
function serviceCheck(line: string): { name: string; status: number; tags: string[]; message: string | undefined } {
  const [, name, status, ...fields] = line.split('|');
  return {
    name: name!,
    status: Number(status),
    tags:
      fields
        .find((field) => field.startsWith('#'))
        ?.slice(1)
        .split(',') ?? [],
    message: fields.find((field) => field.startsWith('m:'))?.slice(2),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('statsdReporter() with hot-shots, over real UDP', () => {
  it('sends a service check and a timing per check and a status gauge per run, the message sanitized', async () => {
    const server = await listen();
    const client = new StatsD({ host: '127.0.0.1', port: server.port, protocol: 'udp' });
    try {
      const bus = createHealthBus();
      registerCheck('db', () => true, { bus });
      registerCheck(
        'cache',
        () => {
          throw new Error('down | really\ndown');
        },
        { bus, critical: false },
      );
      registerCheck(
        'queue',
        () => {
          throw new Error('stuck');
        },
        { bus },
      );
      const reporter = statsdReporter({ client, bus, prefix: 'app.health' });
      await runHealthChecks({ bus, logger: false });
      await settle();
      const checks = server.lines.filter((line) => line.startsWith('_sc|')).map(serviceCheck);
      expect(checks).to.deep.equal([
        { name: 'app.health.check', status: 0, tags: ['check:db'], message: undefined },
        { name: 'app.health.check', status: 1, tags: ['check:cache'], message: 'down really down' },
        { name: 'app.health.check', status: 2, tags: ['check:queue'], message: 'stuck' },
      ]);
      expect(
        server.lines.filter((line) => /^app\.health\.check\.duration:[\d.]+\|ms\|#check:(db|cache|queue)$/.test(line)),
      ).to.have.length(3);
      expect(server.lines).to.include('app.health.status:0|g');
      reporter.close();
    } finally {
      client.close();
      server.socket.close();
    }
  });

  it('sends an event on each transition only, never one per failing run', async () => {
    const server = await listen();
    const client = new StatsD({ host: '127.0.0.1', port: server.port });
    try {
      const bus = createHealthBus();
      let healthy = false;
      registerCheck('db', () => (healthy ? true : Promise.reject(new Error('refused'))), { bus });
      statsdReporter({ client, bus });
      const { health } = await import('../../src/index.js');
      const Koa = (await import('koa')).default;
      const request = (await import('supertest')).default;
      const app = new Koa().use(health({ bus, logger: false, disableFile: false }));
      for (let i = 0; i < 5; i++) await request(app.callback()).get('/health?checks=all').expect(503);
      healthy = true;
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health?checks=all').expect(200);
      await settle();
      const events = server.lines.filter((line) => line.startsWith('_e{'));
      expect(events).to.have.length(2);
      expect(events[0]).to.match(/^_e\{\d+,\d+\}:koa_health: db failed\|refused\|t:error\|#check:db$/);
      expect(events[1]).to.match(/^_e\{\d+,\d+\}:koa_health: db recovered\|OK\|t:success\|#check:db$/);
    } finally {
      client.close();
      server.socket.close();
    }
  });

  it('says OK → WARN warns (never a recovery), WARN → OK recovered, and nothing between two words of failure', async () => {
    const server = await listen();
    const client = new StatsD({ host: '127.0.0.1', port: server.port });
    try {
      const bus = createHealthBus();
      const statuses = ['OK', 'WARN', 'OK', 'NOK', 'ERROR', 'WARN'];
      let status = 'OK';
      bus.on('healthcheck', (event) => event.report('queue', status, `now ${status}`));
      statsdReporter({ client, bus });
      const { health } = await import('../../src/index.js');
      const Koa = (await import('koa')).default;
      const request = (await import('supertest')).default;
      const app = new Koa().use(health({ bus, logger: false, disableFile: false }));
      for (status of statuses) await request(app.callback()).get('/health?checks=all');
      await settle();
      const events = server.lines
        .filter((line) => line.startsWith('_e{'))
        .map((line) => line.replace(/^_e\{\d+,\d+\}:/, ''));
      expect(events).to.deep.equal([
        'koa_health: queue warns|now WARN|t:warning|#check:queue',
        'koa_health: queue recovered|now OK|t:success|#check:queue',
        'koa_health: queue failed|now NOK|t:error|#check:queue',
        'koa_health: queue warns|now WARN|t:warning|#check:queue',
      ]);
    } finally {
      client.close();
      server.socket.close();
    }
  });

  it('sends nothing when not enabled, and throws a TypeError for a wrong option', async () => {
    const server = await listen();
    const client = new StatsD({ host: '127.0.0.1', port: server.port });
    try {
      const bus = createHealthBus();
      registerCheck('db', () => true, { bus });
      statsdReporter({ client, bus, enabled: false });
      await runHealthChecks({ bus, logger: false });
      await settle();
      expect(server.lines).to.deep.equal([]);
      expect(() => statsdReporter({ client: {} as never })).to.throw(TypeError, 'client');
      expect(() => statsdReporter({ client, prefix: 'a|b' })).to.throw(TypeError, 'prefix');
    } finally {
      client.close();
      server.socket.close();
    }
  });
});
