import { expect } from 'chai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import request from 'supertest';
import { type AvailabilityChange, contextOf } from '../../src/core/index.js';
import { availability, type HealthOptions, registerCheck } from '../../src/index.js';
import { prometheusMetrics } from '../../src/telemetry/prometheus.js';
import { makeApp, sleep } from '../helpers.js';

/** An app with a startup check and a readiness check, `/metrics` from a registry of its own, and the bus's events. */
function availabilityApp(options: HealthOptions = {}) {
  const test = makeApp({ details: 'always', startup: '@startup', ...options });
  const state = { migrations: true, database: true };
  registerCheck('migrations', () => state.migrations, { bus: test.bus, tags: ['startup'], default: false });
  registerCheck('database', () => state.database, { bus: test.bus });
  const registry = new Registry();
  const metrics = prometheusMetrics({ bus: test.bus, registry });
  test.app.middleware.unshift(async (ctx, next) => {
    if (ctx.path !== '/metrics') return next();
    ctx.body = await registry.metrics();
  });
  const events: AvailabilityChange[] = [];
  test.bus.on('availability', (change) => void events.push(change));
  const handle = availability(test.bus);
  const get = (path: string) => request(test.app.callback()).get(path);
  /** The three gauges, read through `/metrics` by a real Prometheus text parser. */
  const gauges = async (): Promise<Record<string, number>> => {
    const { text } = await get('/metrics').expect(200);
    const families = parsePrometheusTextFormat(text) as Array<{ name: string; metrics: Array<{ value: string }> }>;
    const read = (name: string) => Number(families.find((family) => family.name === name)?.metrics[0]?.value);
    return { ready: read('koa_health_ready'), live: read('koa_health_live'), started: read('koa_health_started') };
  };
  return { ...test, state, handle, events, get, gauges, close: () => metrics.close() };
}

describe('availability(): the app refuses traffic', () => {
  it('holds /health/ready at 503 with the reason until every refusal is released; /live and the bare endpoint stay 200', async () => {
    const { get, handle, events, logger, gauges } = availabilityApp();
    await get('/health/ready').expect(200, 'OK');
    expect(await gauges()).to.deep.equal({ ready: 1, live: 1, started: 1 });

    const releaseReload = handle.refuseTraffic('config reload');
    const releaseCache = handle.refuseTraffic('cache rebuild');
    const refused = await get('/health/ready').expect(503);
    expect(refused.text).to.equal('REFUSING\nconfig reload\ncache rebuild\n');
    const json = await get('/health/ready?format=json').expect(503);
    expect(json.body).to.include({ status: 'REFUSING' });
    expect(json.body.reasons).to.deep.equal(['config reload', 'cache rebuild']);
    await get('/health/ready?verbose').expect(
      503,
      '[-]refusing failed: config reload\n[-]refusing failed: cache rebuild\nreadyz check failed\n',
    );
    await get('/health/live').expect(200, 'OK');
    await get('/health').expect(200, 'OK');
    expect(handle.state.readiness).to.equal('REFUSING');
    expect(await gauges()).to.include({ ready: 0 });

    // Two overlapping refusals: releasing one leaves the other holding.
    releaseReload();
    releaseReload();
    await get('/health/ready').expect(503, 'REFUSING\ncache rebuild\n');
    releaseCache();
    await get('/health/ready').expect(200, 'OK');
    expect(await gauges()).to.include({ ready: 1 });

    const readiness = events.filter(({ kind }) => kind === 'readiness');
    expect(readiness.map(({ kind, before, after, reason }) => [kind, before, after, reason])).to.deep.equal([
      ['readiness', 'ACCEPTING', 'REFUSING', 'refusing traffic: config reload'],
      ['readiness', 'REFUSING', 'REFUSING', 'refusing traffic: cache rebuild'],
      ['readiness', 'REFUSING', 'REFUSING', 'released: config reload'],
      ['readiness', 'REFUSING', 'ACCEPTING', 'released: cache rebuild'],
    ]);
    // One line per change, whatever the probes did meanwhile.
    const lines = logger.lines.filter(([, line]) => line.includes('readiness'));
    expect(lines).to.deep.equal([
      ['warn', 'koa-health: readiness ACCEPTING → REFUSING (refusing traffic: config reload)'],
      ['warn', 'koa-health: readiness REFUSING (refusing traffic: cache rebuild)'],
      ['warn', 'koa-health: readiness REFUSING (released: config reload)'],
      ['info', 'koa-health: readiness REFUSING → ACCEPTING (released: cache rebuild)'],
    ]);
  });

  it('acceptTraffic() releases every refusal at once; the reason is shown only to callers who may see details', async () => {
    const { get, handle } = availabilityApp({ details: 'never' });
    await get('/health/ready').expect(200);
    handle.refuseTraffic('draining the old pool');
    handle.refuseTraffic('config reload');
    await get('/health/ready').expect(503, 'REFUSING');
    const json = await get('/health/ready?format=json').expect(503);
    expect(json.body.reasons).to.equal(undefined);
    await get('/health/ready?verbose').expect(503, /\[-\]refusing failed: reason withheld\n/);
    handle.acceptTraffic();
    await get('/health/ready').expect(200, 'OK');
    expect(handle.state).to.deep.include({ readiness: 'ACCEPTING' });
  });

  it('the drain is one more refusal, `shutting down`, which acceptTraffic() does not release', async () => {
    const { get, bus, handle, events } = availabilityApp();
    await get('/health/ready').expect(200);
    contextOf(bus).startDrain();
    expect(handle.state.reasons.readiness).to.deep.equal(['shutting down']);
    expect(events.at(-1)).to.include({
      kind: 'readiness',
      after: 'REFUSING',
      reason: 'refusing traffic: shutting down',
    });
    // The app's own refusal that happens to say the same words is the app's: acceptTraffic() releases it.
    handle.refuseTraffic('shutting down');
    handle.acceptTraffic();
    expect(handle.state.readiness).to.equal('REFUSING');
    expect(handle.state.reasons.readiness).to.deep.equal(['shutting down']);
    await get('/health/ready').expect(503, 'SHUTTING_DOWN');
  });
});

describe('availability(): broken', () => {
  it('markBroken() fails /health/live only, until markHealthy()', async () => {
    const { get, handle, gauges, events } = availabilityApp();
    await get('/health/ready').expect(200);
    handle.markBroken('worker pool wedged');
    await get('/health/live').expect(503, 'BROKEN\nworker pool wedged\n');
    await get('/health/live?verbose').expect(503, '[-]broken failed: worker pool wedged\nlivez check failed\n');
    await get('/health/ready').expect(200, 'OK');
    await get('/health').expect(200, 'OK');
    expect(await gauges()).to.include({ live: 0, ready: 1 });
    handle.markHealthy();
    await get('/health/live').expect(200, 'OK');
    expect(await gauges()).to.include({ live: 1 });
    // The first probe's startup, then the two changes of liveness.
    expect(events.map(({ kind, after }) => `${kind} ${after}`)).to.deep.equal([
      'startup STARTED',
      'liveness BROKEN',
      'liveness CORRECT',
    ]);
  });
});

describe('availability(): startup blocks', () => {
  it('/startup and /ready answer 503 "waiting for: …" until every block settles; then the startup checks count', async () => {
    const { get, handle, state, gauges } = availabilityApp();
    let finishMigrations!: () => void;
    handle.block('migrations', new Promise<void>((resolve) => (finishMigrations = resolve)));
    let finishWarmup!: () => void;
    handle.block('cache-warmup', () => new Promise<void>((resolve) => (finishWarmup = resolve)));
    await get('/health/startup').expect(503, 'STARTING\nwaiting for: migrations, cache-warmup\n');
    await get('/health/ready').expect(503, 'STARTING\nwaiting for: migrations, cache-warmup\n');
    const health = await get('/health/startup?format=health%2Bjson').expect(503);
    expect(health.body).to.deep.equal({ status: 'fail', output: 'starting: waiting for: migrations, cache-warmup' });
    expect(await gauges()).to.include({ started: 0 });
    finishMigrations();
    await sleep(0);
    await get('/health/startup').expect(503, 'STARTING\nwaiting for: cache-warmup\n');
    // Once the blocks settle, the startup checks decide as before.
    state.migrations = false;
    finishWarmup();
    await sleep(0);
    await get('/health/startup').expect(503, 'STARTING');
    state.migrations = true;
    await get('/health/startup').expect(200, 'OK');
    expect(handle.state.startup).to.equal('STARTED');
    expect(await gauges()).to.include({ started: 1 });
  });

  it('a block that rejects fails startup for good: /startup and /ready 503, whenReady() rejects, and it is logged', async () => {
    const { get, handle, logger } = availabilityApp();
    handle.block('migrations', () => Promise.reject(new Error('relation "users" already exists')));
    await sleep(0);
    await get('/health/startup').expect(503, 'STARTUP_FAILED\nmigrations failed: relation "users" already exists\n');
    await get('/health/ready').expect(503, /^STARTUP_FAILED/);
    expect(handle.state.startup).to.equal('FAILED');
    let rejected: unknown;
    await handle.whenReady().catch((error: unknown) => (rejected = error));
    expect(String(rejected)).to.equal('Error: startup failed: migrations failed: relation "users" already exists');
    expect(logger.lines).to.deep.include([
      'warn',
      'koa-health: startup STARTING → FAILED (migrations failed: relation "users" already exists)',
    ]);
  });

  it('a block that outlasts its timeout fails startup', async () => {
    const { get, handle } = availabilityApp();
    handle.block('cache-warmup', new Promise(() => {}), { timeout: 20 });
    await get('/health/startup').expect(503, 'STARTING\nwaiting for: cache-warmup\n');
    await sleep(40);
    await get('/health/startup').expect(503, 'STARTUP_FAILED\ncache-warmup failed: did not finish within 20 ms\n');
  });

  it('whenReady() waits for the blocks and the startup checks (run by itself when no probe comes), and resolves at once after', async () => {
    const { handle, state } = availabilityApp();
    state.migrations = false;
    let finish!: () => void;
    handle.block('cache-warmup', new Promise<void>((resolve) => (finish = resolve)));
    let ready = false;
    const waiting = handle.whenReady().then(() => (ready = true));
    await sleep(20);
    expect(ready).to.equal(false);
    finish();
    // The blocks settled; the startup check fails, and is tried again once a second until it passes.
    await sleep(50);
    expect(ready).to.equal(false);
    state.migrations = true;
    await waiting;
    expect(handle.state.startup).to.equal('STARTED');
    const started = Date.now();
    await handle.whenReady();
    expect(Date.now() - started).to.be.below(5);
  });
});

describe('availability(): on the status page and against careless use', () => {
  it('shows each lever in the page header and every change in its history', async () => {
    const { get, handle } = availabilityApp();
    await get('/health/ready').expect(200);
    const release = handle.refuseTraffic('config <reload>');
    handle.markBroken('pool wedged');
    const page = await get('/health?format=html').expect(200);
    expect(page.text).to.include(
      'readiness <span class="state warn"><span aria-hidden="true">▲</span> REFUSING</span>',
    );
    expect(page.text).to.include('config &#60;reload&#62;');
    expect(page.text).to.include('liveness <span class="state bad"><span aria-hidden="true">✖</span> BROKEN</span>');
    expect(page.text).to.match(/<td data-label="Check">readiness<\/td>.*refusing traffic: config &#60;reload&#62;/);
    expect(page.text).to.match(/<td data-label="Check">liveness<\/td>.*broken: pool wedged/);
    release();
    handle.markHealthy();
    const after = await get('/health?format=html').expect(200);
    expect(after.text).to.include(
      'readiness <span class="state ok"><span aria-hidden="true">✔</span> ACCEPTING</span>',
    );
  });

  it('refuses a bad reason, block or option with a TypeError naming it; a reason is one line of at most 200 characters', () => {
    const { handle, get } = availabilityApp();
    expect(() => handle.refuseTraffic('')).to.throw(TypeError, 'refuseTraffic(): `reason` must be a non-empty string');
    expect(() => handle.refuseTraffic(undefined as unknown as string)).to.throw(TypeError, 'got undefined');
    expect(() => handle.markBroken(42 as unknown as string)).to.throw(TypeError, 'markBroken(): `reason`');
    expect(() => handle.block('', Promise.resolve())).to.throw(TypeError, 'block(): `name` must be a non-empty string');
    expect(() => handle.block('x', 42 as unknown as Promise<void>)).to.throw(
      TypeError,
      'block(): `work` must be a promise or a function that returns one, got 42',
    );
    expect(() => handle.block('x', Promise.resolve(), { timeout: 2 ** 31 })).to.throw(TypeError, '`timeout`');
    expect(() => handle.block('x', Promise.resolve(), { timeOut: 5 } as object)).to.throw(
      TypeError,
      'block(): `timeOut` is not an option',
    );
    expect(() => availability({} as never)).to.throw(TypeError, 'availability(): `bus` must be a mitt emitter');
    handle.refuseTraffic(`reload\r\n[+]forged ok\n${'x'.repeat(300)}`);
    const [reason] = handle.state.reasons.readiness;
    expect(reason).to.not.match(/[\r\n]/);
    expect(reason).to.have.length(201);
    expect(reason!.startsWith('reload [+]forged ok xxx')).to.equal(true);
    expect(reason!.endsWith('…')).to.equal(true);
    return get('/health/ready?verbose').expect(503, /^\[-\]refusing failed: reload \[\+\]forged ok x+…\nreadyz/);
  });

  it('is one handle per bus, the same from every caller; a listener that throws does not stop the change', () => {
    const { bus, handle, logger } = availabilityApp();
    expect(availability(bus)).to.equal(handle);
    bus.on('availability', () => {
      throw new Error('listener broke');
    });
    handle.refuseTraffic('reload');
    expect(handle.state.readiness).to.equal('REFUSING');
    expect(logger.lines.some(([level, line]) => level === 'error' && line.includes('listener broke'))).to.equal(true);
  });
});
