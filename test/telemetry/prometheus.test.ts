import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createHealthBus, health, outcome, registerCheck, runHealthChecks } from '../../src/index.js';
import { prometheusMetrics } from '../../src/telemetry/prometheus.js';
import { makeApp, sleep, tempDir } from '../helpers.js';

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  count?: string;
  buckets?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

/** The registry's exposition, through a real parser, by metric name. */
async function scrape(registry: Registry): Promise<Record<string, Family>> {
  const families = parsePrometheusTextFormat(await registry.metrics()) as Family[];
  return Object.fromEntries(families.map((family) => [family.name, family]));
}

const value = (family: Family | undefined, labels: Record<string, string>): number | undefined => {
  const sample = family?.metrics.find((metric) =>
    Object.entries(labels).every(([key, label]) => metric.labels?.[key] === label),
  );
  return sample === undefined ? undefined : Number(sample.value ?? sample.count);
};

describe('prometheusMetrics()', () => {
  it('records every run: status, durations, results, transitions, last success, runs', async () => {
    const registry = new Registry();
    const { app, bus } = makeApp();
    const handle = prometheusMetrics({ bus, registry });
    let healthy = true;
    registerCheck('db', () => healthy, { bus });
    registerCheck('cache', () => false, { bus, critical: false });
    await request(app.callback()).get('/health?checks=all').expect(200);
    healthy = false;
    await request(app.callback()).get('/health?checks=all').expect(503);
    await request(app.callback()).get('/health?checks=all').expect(503);
    const metrics = await scrape(registry);
    expect(metrics.koa_health_check_status!.type).to.equal('GAUGE');
    expect(value(metrics.koa_health_check_status, { check: 'db' })).to.equal(0);
    expect(value(metrics.koa_health_check_status, { check: 'cache' })).to.equal(1);
    // What the check itself said: the non-critical cache failed, though its effective status is WARN.
    expect(value(metrics.koa_health_check_observed_status, { check: 'cache' })).to.equal(0);
    expect(value(metrics.koa_health_check_observed_status, { check: 'db' })).to.equal(0);
    expect(value(metrics.koa_health_check_runs_total, { check: 'db', status: 'ok' })).to.equal(1);
    expect(value(metrics.koa_health_check_runs_total, { check: 'db', status: 'error' })).to.equal(2);
    expect(value(metrics.koa_health_check_transitions_total, { check: 'db', from: 'ok', to: 'error' })).to.equal(1);
    expect(value(metrics.koa_health_check_transitions_total, { check: 'cache', from: 'none', to: 'warn' })).to.equal(1);
    expect(value(metrics.koa_health_runs_total, { status: 'ok' })).to.be.undefined;
    expect(value(metrics.koa_health_runs_total, { status: 'warn' })).to.equal(1);
    expect(value(metrics.koa_health_runs_total, { status: 'error' })).to.equal(2);
    expect(metrics.koa_health_check_duration_seconds!.type).to.equal('HISTOGRAM');
    expect(metrics.koa_health_run_duration_seconds!.metrics.map(({ buckets }) => buckets?.['+Inf'])).to.deep.equal([
      '3',
    ]);
    // The parser drops a histogram's labels: the per-check counts, from prom-client's own reading.
    const [durations] = (await registry.getMetricsAsJSON()).filter(
      ({ name }) => name === 'koa_health_check_duration_seconds',
    );
    const counts = (
      durations!.values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>
    ).filter(({ metricName }) => metricName === 'koa_health_check_duration_seconds_count');
    expect(counts.map(({ labels, value: count }) => [labels.check, count])).to.deep.equal([
      ['db', 3],
      ['cache', 3],
    ]);
    const lastSuccess = value(metrics.koa_health_check_last_success_timestamp_seconds, { check: 'db' })!;
    expect(lastSuccess).to.be.within(Date.now() / 1000 - 10, Date.now() / 1000);
    handle.close();
    await runHealthChecks({ bus, logger: false });
    expect(value((await scrape(registry)).koa_health_runs_total, { status: 'error' })).to.equal(2);
  });

  it('keeps check_status effective and check_observed_status as the check said: a failure held by failAfter is 1 and 0', async () => {
    const registry = new Registry();
    const { app, bus } = makeApp();
    const handle = prometheusMetrics({ bus, registry });
    registerCheck('db', () => false, { bus, failAfter: 3 });
    await request(app.callback()).get('/health?checks=all').expect(200);
    const metrics = await scrape(registry);
    expect(metrics.koa_health_check_observed_status!.type).to.equal('GAUGE');
    expect(value(metrics.koa_health_check_status, { check: 'db' })).to.equal(1);
    expect(value(metrics.koa_health_check_observed_status, { check: 'db' })).to.equal(0);
    handle.close();
  });

  it('never runs a check on a scrape, nor fails one because a check fails', async () => {
    const registry = new Registry();
    const bus = createHealthBus();
    let runs = 0;
    registerCheck(
      'db',
      () => {
        runs++;
        throw new Error('down');
      },
      { bus },
    );
    prometheusMetrics({ bus, registry });
    await registry.metrics();
    expect(runs).to.equal(0);
    await runHealthChecks({ bus, logger: false });
    const metrics = await scrape(registry);
    expect(value(metrics.koa_health_check_status, { check: 'db' })).to.equal(0);
    expect(runs).to.equal(1);
  });

  it('gets or creates: twice with one registry and bus (two mounts, two copies) neither throws nor counts twice', async () => {
    const registry = new Registry();
    const bus = createHealthBus();
    registerCheck('db', () => true, { bus });
    const first = prometheusMetrics({ bus, registry });
    const second = prometheusMetrics({ bus, registry });
    health({ bus, logger: false, disableFile: false }).close();
    await runHealthChecks({ bus, logger: false });
    expect(value((await scrape(registry)).koa_health_runs_total, { status: 'ok' })).to.equal(1);
    first.close();
    await runHealthChecks({ bus, logger: false });
    expect(value((await scrape(registry)).koa_health_runs_total, { status: 'ok' })).to.equal(2);
    second.close();
    await runHealthChecks({ bus, logger: false });
    expect(value((await scrape(registry)).koa_health_runs_total, { status: 'ok' })).to.equal(2);
  });

  it('throws a TypeError naming a wrong option', () => {
    expect(() => prometheusMetrics({ prefix: 'bad prefix' })).to.throw(TypeError, 'prefix');
    expect(() => prometheusMetrics({ registry: {} as Registry })).to.throw(TypeError, 'registry');
    expect(() => prometheusMetrics({ regsitry: new Registry() } as never)).to.throw(TypeError, 'regsitry');
  });

  it('throws a TypeError at the call when the registry has a metric of the same name with another type or labels', async () => {
    const { Gauge, Counter } = await import('prom-client');
    const registry = new Registry();
    new Gauge({ name: 'koa_health_runs_total', help: 'an app metric of the same name', registers: [registry] });
    const bus = createHealthBus();
    expect(() => prometheusMetrics({ bus, registry })).to.throw(
      TypeError,
      /gauge "koa_health_runs_total".*needs a counter with labels \[status\].*prefix/,
    );
    // Nothing was made, nothing listens: a run later logs nothing and counts nothing.
    expect(registry.getSingleMetric('koa_health_check_status')).to.equal(undefined);
    expect(bus.all.get('healthresult') ?? []).to.have.length(0);
    const other = new Registry();
    new Counter({
      name: 'koa_health_runs_total',
      help: 'same type, other labels',
      labelNames: ['outcome'],
      registers: [other],
    });
    expect(() => prometheusMetrics({ bus, registry: other })).to.throw(TypeError, 'labels');
    expect(() => prometheusMetrics({ bus, registry: other, prefix: 'app_health_' })).to.not.throw();
  });

  it('counts a transition only when the metric status changes: NOK → ERROR is none', async () => {
    const registry = new Registry();
    const { app, bus } = makeApp();
    prometheusMetrics({ bus, registry });
    let status = 'NOK';
    bus.on('healthcheck', (event) => event.report('queue', status));
    await request(app.callback()).get('/health?checks=all').expect(503);
    status = 'ERROR';
    await request(app.callback()).get('/health?checks=all').expect(503);
    const families = await scrape(registry);
    expect(families.koa_health_check_transitions_total?.metrics.map(({ labels }) => labels)).to.deep.equal([
      { check: 'queue', from: 'none', to: 'error' },
    ]);
  });

  it("says the last run's overall status, when it ended, maintenance (looked at each scrape) and the service", async () => {
    const { dir, remove } = tempDir();
    try {
      const disableFile = join(dir, 'maintenance');
      const registry = new Registry();
      const { app, bus } = makeApp({ disableFile, service: { version: '2.0.1', serviceId: 'orders-api' } });
      prometheusMetrics({ bus, registry });
      let status: 'OK' | 'WARN' | 'ERROR' = 'WARN';
      registerCheck('db', () => outcome(status, ''), { bus });
      await request(app.callback()).get('/health?checks=all').expect(200);
      let metrics = await scrape(registry);
      expect(value(metrics.koa_health_status, {})).to.equal(1);
      expect(value(metrics.koa_health_last_run_timestamp_seconds, {})).to.be.closeTo(Date.now() / 1000, 5);
      expect(value(metrics.koa_health_maintenance, {})).to.equal(0);
      expect(metrics.koa_health_info!.metrics).to.deep.equal([
        { labels: { version: '2.0.1', service: 'orders-api' }, value: '1' },
      ]);
      status = 'ERROR';
      await request(app.callback()).get('/health?checks=all').expect(503);
      writeFileSync(disableFile, '');
      // The scheduler looks at the disable file at most once a second.
      await sleep(1100);
      metrics = await scrape(registry);
      expect(value(metrics.koa_health_status, {})).to.equal(0);
      expect(value(metrics.koa_health_maintenance, {})).to.equal(1);
      rmSync(disableFile);
      await sleep(1100);
      status = 'OK';
      await request(app.callback()).get('/health?checks=all').expect(200);
      metrics = await scrape(registry);
      expect(value(metrics.koa_health_status, {})).to.equal(2);
      expect(value(metrics.koa_health_maintenance, {})).to.equal(0);
    } finally {
      remove();
    }
  });
});
