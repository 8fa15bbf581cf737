/**
 * `koa-health/prometheus`: the results of every run as Prometheus metrics, on the app's own prom-client
 * registry. A scrape reads what the runs left; it never runs a check, and never fails because one does.
 * @module
 */
import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import {
  entryOf, healthBus, holdShared, knownOptions, passes, validBus, type HealthBus, type HealthChange, type HealthResult, type SharedEntries,
} from '../core/index.js';
import { statusLabel, statusValue } from './scale.js';

/** Options of `prometheusMetrics()`. */
export interface PrometheusOptions {
  /**
   * The bus whose runs are measured.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * The registry the metrics are in.
   * @default prom-client's default registry
   */
  registry?: Registry;
  /**
   * The prefix of every metric's name.
   * @default 'koa_health_'
   */
  prefix?: string;
}

/** What `prometheusMetrics()` returns: `close()` stops measuring (the metrics stay registered). */
export interface MetricsHandle {
  close(): void;
}

interface Metrics {
  checkStatus: Gauge<'check'>;
  checkDuration: Histogram<'check'>;
  checkRuns: Counter<'check' | 'status'>;
  transitions: Counter<'check' | 'from' | 'to'>;
  lastSuccess: Gauge<'check'>;
  runs: Counter<'status'>;
  runDuration: Histogram;
}

// Per registry and prefix, who listens on which bus: a second call (a second mount, a second copy of the
// package) shares the listener rather than counting every run twice. Symbol.for: one key for every copy.
const LISTENERS = Symbol.for('koa-health.prometheus.listeners');
type Listeners = Map<string, SharedEntries<HealthBus, undefined>>;

/**
 * Registers koa-health's metrics (get-or-create) and updates them after every run on `bus`.
 * @throws {TypeError} for a wrong option
 */
export function prometheusMetrics(options: PrometheusOptions = {}): MetricsHandle {
  knownOptions(options, ['bus', 'registry', 'prefix'], 'prometheusMetrics()');
  const { bus = healthBus, registry = register, prefix = 'koa_health_' } = options;
  validBus(bus, 'bus');
  if (typeof (registry as Partial<Registry> | null)?.getSingleMetric !== 'function') {
    throw new TypeError('option "registry" must be a prom-client Registry');
  }
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new TypeError('option "prefix" must be a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)');
  }
  const holder = registry as Registry & { [LISTENERS]?: Listeners };
  const byPrefix = (holder[LISTENERS] ??= new Map());
  const { release } = holdShared(entryOf(byPrefix, prefix, () => new Map()), bus, () => {
    const metrics = metricsIn(registry, prefix);
    const onResult = (result: HealthResult): void => record(metrics, result);
    const onChange = (change: HealthChange): void => {
      for (const { name, before, after } of change.checks) {
        metrics.transitions.inc({ check: name, from: before === undefined ? 'none' : statusLabel(before), to: statusLabel(after) });
      }
    };
    bus.on('healthresult', onResult);
    bus.on('healthchange', onChange);
    return { value: undefined, stop: () => (bus.off('healthresult', onResult), bus.off('healthchange', onChange)) };
  });
  return { close: release };
}

function record(metrics: Metrics, result: HealthResult): void {
  for (const { name, status, duration, startedAt } of result.checks) {
    const labels = { check: name };
    metrics.checkStatus.set(labels, statusValue(status));
    metrics.checkDuration.observe(labels, duration / 1000);
    metrics.checkRuns.inc({ check: name, status: statusLabel(status) });
    if (passes(status)) metrics.lastSuccess.set(labels, (startedAt + duration) / 1000);
  }
  metrics.runs.inc({ status: statusLabel(result.status) });
  metrics.runDuration.observe(result.duration / 1000);
}

/** The metrics in `registry`: the ones there already (another mount, another copy of the package), or new ones. */
function metricsIn(registry: Registry, prefix: string): Metrics {
  const registers = [registry];
  const make = <T>(name: string, create: (name: string) => T): T => (registry.getSingleMetric(prefix + name) as T | undefined) ?? create(prefix + name);
  return {
    checkStatus: make('check_status', (name) => new Gauge({ name, help: 'Last result of each check: 2 OK, 1 WARN, 0 ERROR.', labelNames: ['check'], registers })),
    checkDuration: make('check_duration_seconds', (name) => new Histogram({ name, help: 'How long each check took.', labelNames: ['check'], registers })),
    checkRuns: make('check_runs_total', (name) => new Counter({ name, help: 'Results recorded, by check and status.', labelNames: ['check', 'status'], registers })),
    transitions: make('check_transitions_total', (name) => new Counter({
      name, help: 'Status changes of each check, from and to (alert on flapping).', labelNames: ['check', 'from', 'to'], registers,
    })),
    lastSuccess: make('check_last_success_timestamp_seconds', (name) => new Gauge({ name, help: 'When each check last passed.', labelNames: ['check'], registers })),
    runs: make('runs_total', (name) => new Counter({ name, help: 'Runs of the checks, by overall status.', labelNames: ['status'], registers })),
    runDuration: make('run_duration_seconds', (name) => new Histogram({ name, help: 'How long each run took.', registers })),
  };
}
