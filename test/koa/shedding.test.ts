import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import Koa from 'koa';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createHealthBus, health } from '../../src/index.js';
import { loadShedding } from '../../src/koa/shedding.js';
import { prometheusMetrics } from '../../src/telemetry/prometheus.js';
import { sleep } from '../helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/overloaded.ts', import.meta.url));

/** One GET: its status, `Retry-After`, body and how long it took. */
function get(
  port: number,
  path: string,
  agent: Agent,
): Promise<{ status: number; retryAfter: string | undefined; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'],
          body,
          ms: performance.now() - started,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('loadShedding()', () => {
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  it('sheds the app under a real CPU-bound overload with 503 and Retry-After, never the health paths, which answer within 100 ms', async function () {
    this.timeout(20_000);
    child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!/port (\d+)/.test(out)) await sleep(10);
    const port = Number(/port (\d+)/.exec(out)![1]);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });

    // Three clients, each sending its next request as soon as the last is answered: 10 ms of CPU each.
    let loading = true;
    const answers = { ok: 0, shed: 0, retryAfter: new Set<string>() };
    const client = async (): Promise<void> => {
      while (loading) {
        const { status, retryAfter } = await get(port, '/busy?ms=10', agent);
        if (status === 503) {
          answers.shed++;
          if (retryAfter) answers.retryAfter.add(retryAfter);
        } else answers.ok++;
      }
    };
    const clients = Array.from({ length: 3 }, client);
    while (!out.includes('SHEDDING')) await sleep(20);
    // While it sheds, every health path answers, and soon.
    const probes: Array<{ path: string; status: number; ms: number }> = [];
    for (let round = 0; round < 5; round++) {
      for (const path of ['/health', '/health/live', '/health/ready', '/health/startup', '/health/ping']) {
        const { status, ms } = await get(port, path, agent);
        probes.push({ path, status, ms: Math.round(ms) });
      }
      await sleep(30);
    }
    loading = false;
    await Promise.all(clients);
    agent.destroy();
    if (process.env.SHED_DEBUG) console.log(answers, probes.map(({ ms }) => ms).join(' '));
    expect(answers.shed, 'requests shed').to.be.above(0);
    expect([...answers.retryAfter]).to.deep.equal(['3']);
    for (const probe of probes) {
      expect(probe.status, probe.path).to.equal(200);
      expect(probe.ms, `${probe.path} took ${probe.ms} ms`).to.be.below(100);
    }
    // Idle again: the next sample ends the spell, with the count of what it shed.
    const deadline = Date.now() + 5000;
    while (!/shedding SHEDDING → ADMITTING \(back under every limit \(\d+ requests? shed\)\)/.test(out)) {
      expect(Date.now()).to.be.below(deadline);
      await sleep(20);
    }
    expect(out).to.match(/koa-health: shedding ADMITTING → SHEDDING \(event loop \d+% busy, above 90%\)/);
  });

  it('passes everything on while under its limits, and refuses traffic while shedding only with `refuseTraffic: true`', async () => {
    const bus = createHealthBus();
    const shedding = loadShedding({ bus, maxHeapUsedBytes: 1, sampleInterval: 10, refuseTraffic: true });
    const app = new Koa();
    app.use(shedding);
    app.use(health({ bus, disableFile: false, logger: false, details: 'always' }));
    app.use((ctx) => void (ctx.body = 'app'));
    const server = request(app.callback());
    const registry = new Registry();
    const metrics = prometheusMetrics({ bus, registry });
    const gauges = async () => {
      const families = parsePrometheusTextFormat(await registry.metrics()) as Array<{
        name: string;
        metrics: Array<{ value: string }>;
      }>;
      const read = (name: string) => {
        const value = families.find((family) => family.name === name)?.metrics[0]?.value;
        return value === undefined ? undefined : Number(value);
      };
      return { shedding: read('koa_health_shedding'), shed: read('koa_health_requests_shed_total') };
    };
    // Any heap is above one byte: the first sample sheds.
    while (!shedding.shedding) await sleep(5);
    await server.get('/orders').expect(503).expect('Retry-After', '10');
    await server.get('/healthz').expect(503);
    // Below the health path, only what health() answers is its own: `ready/<name>` is; anything else is the app's.
    // (readiness is refused while shedding here: health() answers it, not the shedder)
    const named = await server.get('/health/ready/nothing').expect(503);
    expect(named.text).to.match(/^REFUSING\n/);
    await server.get('/health/reports').expect(503);
    const ready = await server.get('/health/ready').expect(503);
    expect(ready.text).to.match(/^REFUSING\noverloaded: heap used \d+ bytes above 1\n$/);
    await server.get('/health/live').expect(200);
    expect(await gauges()).to.deep.equal({ shedding: 1, shed: 0 });
    // Metrics set up during a spell say so at once, not only when it ends.
    const late = new Registry();
    const lateMetrics = prometheusMetrics({ bus, registry: late, prefix: 'late_' });
    expect(await late.metrics()).to.match(/^late_shedding 1$/m);
    lateMetrics.close();
    const page = await server.get('/health?format=html').expect(200);
    expect(page.text).to.match(/load <span class="state warn">.*SHEDDING<\/span> since .*, 3 requests shed/);
    shedding.close();
    expect(shedding.shedding).to.equal(false);
    // The spell is over: the requests it shed are counted.
    expect(await gauges()).to.deep.equal({ shedding: 0, shed: 3 });
    metrics.close();
    await server.get('/orders').expect(200, 'app');
    await server.get('/health/ready').expect(200);
  });

  it('refuses a wrong option, or no limit at all, with a TypeError naming it', () => {
    expect(() => loadShedding()).to.throw(TypeError, 'loadShedding(): give at least one limit');
    expect(() => loadShedding({ maxEventLoopUtilization: 1.5 })).to.throw(TypeError, '`maxEventLoopUtilization`');
    expect(() => loadShedding({ maxEventLoopDelay: -1 })).to.throw(TypeError, '`maxEventLoopDelay`');
    expect(() => loadShedding({ maxRssBytes: 1e9, sampleInterval: 2 ** 31 })).to.throw(TypeError, '`sampleInterval`');
    expect(() => loadShedding({ maxRssBytes: 1e9, retryAfter: 1.5 })).to.throw(TypeError, '`retryAfter`');
    expect(() => loadShedding({ maxRssBytes: 1e9, maxRSS: 1 } as object)).to.throw(
      TypeError,
      'loadShedding(): `maxRSS` is not an option',
    );
    expect(() => loadShedding({ maxRssBytes: 1e9, bus: {} as never })).to.throw(TypeError, '`bus`');
  });
});
