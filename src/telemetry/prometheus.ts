/**
 * `koa-health/prometheus`: the results of every run as Prometheus metrics, on the app's own prom-client
 * registry. A scrape reads what the runs left; it never runs a check, and never fails because one does.
 * @module
 */
import { Counter, Gauge, Histogram, type Registry, register } from 'prom-client';
import {
  type AvailabilityChange,
  contextOf,
  entryOf,
  type HealthBus,
  type HealthChange,
  healthBus,
  holdShared,
  knownOptions,
  optionError,
  passes,
  type RunResult,
  type ServiceInfo,
  type SharedEntries,
  statusLabel,
  statusValue,
  validBus,
} from '../core/index.js';

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
  observedStatus: Gauge<'check'>;
  checkDuration: Histogram<'check'>;
  checkRuns: Counter<'check' | 'status'>;
  transitions: Counter<'check' | 'from' | 'to'>;
  lastSuccess: Gauge<'check'>;
  runs: Counter<'status'>;
  runDuration: Histogram;
  status: Gauge;
  lastRun: Gauge;
  maintenance: Gauge;
  info: Gauge<'version' | 'service'>;
  ready: Gauge;
  live: Gauge;
  started: Gauge;
  shedding: Gauge;
  shed: Counter;
}

// Per registry and prefix, what each bus says at a scrape: whether it is in maintenance, and its service.
const SCRAPED = Symbol.for('koa-health.prometheus.scraped');
type ScrapeReaders = Set<() => { maintenance: boolean; service: ServiceInfo | undefined }>;
type Scraped = Map<string, ScrapeReaders>;

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
  validBus(bus, 'prometheusMetrics()');
  if (typeof (registry as Partial<Registry> | null)?.getSingleMetric !== 'function') {
    throw optionError('prometheusMetrics()', 'registry', 'a prom-client Registry', registry);
  }
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw optionError('prometheusMetrics()', 'prefix', 'a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix);
  }
  const holder = registry as Registry & { [LISTENERS]?: Listeners; [SCRAPED]?: Scraped };
  holder[LISTENERS] ??= new Map();
  holder[SCRAPED] ??= new Map();
  const byPrefix = holder[LISTENERS];
  const scraped = entryOf(holder[SCRAPED], prefix, (): ScrapeReaders => new Set());
  const { release } = holdShared(
    entryOf(byPrefix, prefix, () => new Map()),
    bus,
    () => {
      const metrics = metricsIn(registry, prefix, scraped);
      const onResult = (result: RunResult): void => record(metrics, result);
      const onChange = (change: HealthChange): void => {
        for (const { name, before, after } of change.checks) {
          const from = before === undefined ? 'none' : statusLabel(before);
          const to = statusLabel(after);
          // Between two words of failure (NOK → ERROR) the metric's status did not change.
          if (from !== to) metrics.transitions.inc({ check: name, from, to });
        }
      };
      // The app's availability: as it stands now, then at every change.
      const onAvailability = (change?: AvailabilityChange): void => {
        const handle = contextOf(bus).availability;
        const { state } = handle;
        metrics.ready.set(state.readiness === 'ACCEPTING' ? 1 : 0);
        metrics.live.set(state.liveness === 'CORRECT' ? 1 : 0);
        metrics.started.set(state.startup === 'STARTED' ? 1 : 0);
        metrics.shedding.set(handle.shedding === undefined ? 0 : 1);
        // The requests shed are counted when a spell of shedding ends.
        if (change?.shed !== undefined && change.shed > 0) metrics.shed.inc(change.shed);
      };
      onAvailability();
      // What is read at each scrape: maintenance (the disable file is looked at then) and the service.
      const context = contextOf(bus);
      const atScrape = () => ({ maintenance: context.scheduler.inMaintenance(), service: context.service });
      scraped.add(atScrape);
      bus.on('healthresult', onResult);
      bus.on('healthchange', onChange);
      bus.on('availability', onAvailability);
      const stop = (): void => {
        bus.off('healthresult', onResult);
        bus.off('healthchange', onChange);
        bus.off('availability', onAvailability);
        scraped.delete(atScrape);
      };
      return { value: undefined, stop };
    },
  );
  return { close: release };
}

function record(metrics: Metrics, result: RunResult): void {
  for (const { name, status, observed, duration, startedAt } of result.checks) {
    const labels = { check: name };
    metrics.checkStatus.set(labels, statusValue(status));
    metrics.observedStatus.set(labels, statusValue(observed));
    metrics.checkDuration.observe(labels, duration / 1000);
    metrics.checkRuns.inc({ check: name, status: statusLabel(status) });
    if (passes(status)) metrics.lastSuccess.set(labels, (startedAt + duration) / 1000);
  }
  metrics.runs.inc({ status: statusLabel(result.status) });
  metrics.runDuration.observe(result.duration / 1000);
  metrics.status.set(statusValue(result.status));
  metrics.lastRun.set((result.startedAt + result.duration) / 1000);
}

// Each metric: its type, its labels and its help; made in `registry` under `prefix` + the key.
const METRICS = {
  check_status: ['gauge', ['check'], 'Effective status of each check: 2 OK, 1 WARN, 0 ERROR.'],
  check_observed_status: [
    'gauge',
    ['check'],
    'What each check itself said in its last run, before failAfter, recoverAfter and flapping: 2 OK, 1 WARN, 0 ERROR.',
  ],
  check_duration_seconds: ['histogram', ['check'], 'How long each check took.'],
  check_runs_total: ['counter', ['check', 'status'], 'Results recorded, by check and status.'],
  check_transitions_total: [
    'counter',
    ['check', 'from', 'to'],
    'Status changes of each check, from and to (alert on flapping).',
  ],
  check_last_success_timestamp_seconds: ['gauge', ['check'], 'When each check last passed.'],
  runs_total: ['counter', ['status'], 'Runs of the checks, by overall status.'],
  run_duration_seconds: ['histogram', [], 'How long each run took.'],
  status: ['gauge', [], "The last run's overall status: 2 OK, 1 WARN, 0 ERROR."],
  last_run_timestamp_seconds: ['gauge', [], 'When the last run of the checks ended (alert when runs stop).'],
  maintenance: ['gauge', [], 'Whether the disable file is present (maintenance): 1 or 0, looked at each scrape.'],
  info: ['gauge', ['version', 'service'], "Always 1: the service's version and id (health({ service }))."],
  ready: ['gauge', [], 'Whether the app accepts traffic (availability().refuseTraffic() and the drain): 1 or 0.'],
  live: ['gauge', [], 'Whether the app is live (availability().markBroken()): 1 or 0.'],
  started: ['gauge', [], 'Whether startup has passed (its blocks settled and its checks passed): 1 or 0.'],
  shedding: ['gauge', [], "Whether loadShedding() is shedding the app's requests now: 1 or 0."],
  requests_shed_total: [
    'counter',
    [],
    'Requests loadShedding() answered 503, counted when each spell of shedding ends.',
  ],
} as const satisfies Record<string, readonly ['gauge' | 'counter' | 'histogram', readonly string[], string]>;

/**
 * The metrics in `registry`: the ones there already (another mount, another copy of the package), or new ones.
 * @throws {TypeError} when a metric of one of these names is there with another type or other labels (before making any)
 */
function metricsIn(registry: Registry, prefix: string, scraped: ScrapeReaders): Metrics {
  for (const [suffix, [type, labelNames]] of Object.entries(METRICS)) {
    const existing = registry.getSingleMetric(prefix + suffix) as { type?: unknown; labelNames?: unknown } | undefined;
    if (existing === undefined) continue;
    const labels = Array.isArray(existing.labelNames) ? (existing.labelNames as unknown[]).map(String).sort() : [];
    if (existing.type !== type || labels.join() !== [...labelNames].sort().join()) {
      throw new TypeError(
        `prometheusMetrics(): the registry has a ${String(existing.type)} "${prefix + suffix}" with labels [${labels.join(', ')}], ` +
          `where koa-health needs a ${type} with labels [${labelNames.join(', ')}]: give another \`prefix\`, or remove the other metric`,
      );
    }
  }
  const make = <L extends string, T>(
    suffix: keyof typeof METRICS,
    Kind: new (config: {
      name: string;
      help: string;
      labelNames: L[];
      registers: Registry[];
      collect?: (this: T) => void;
    }) => T,
    collect?: (this: T) => void,
  ): T => {
    const [, labelNames, help] = METRICS[suffix];
    const name = prefix + suffix;
    const existing = registry.getSingleMetric(name) as T | undefined;
    return (
      existing ??
      new Kind({ name, help, labelNames: [...labelNames] as L[], registers: [registry], ...(collect && { collect }) })
    );
  };
  const atScrape = () => [...scraped].map((read) => read());
  return {
    checkStatus: make('check_status', Gauge<'check'>),
    observedStatus: make('check_observed_status', Gauge<'check'>),
    checkDuration: make('check_duration_seconds', Histogram<'check'>),
    checkRuns: make('check_runs_total', Counter<'check' | 'status'>),
    transitions: make('check_transitions_total', Counter<'check' | 'from' | 'to'>),
    lastSuccess: make('check_last_success_timestamp_seconds', Gauge<'check'>),
    runs: make('runs_total', Counter<'status'>),
    runDuration: make('run_duration_seconds', Histogram),
    status: make('status', Gauge),
    lastRun: make('last_run_timestamp_seconds', Gauge),
    maintenance: make('maintenance', Gauge, function (this: Gauge) {
      this.set(atScrape().some(({ maintenance }) => maintenance) ? 1 : 0);
    }),
    info: make('info', Gauge<'version' | 'service'>, function (this: Gauge<'version' | 'service'>) {
      this.reset();
      for (const { service } of atScrape())
        this.set({ version: service?.version ?? '', service: service?.serviceId ?? '' }, 1);
    }),
    ready: make('ready', Gauge),
    live: make('live', Gauge),
    started: make('started', Gauge),
    shedding: make('shedding', Gauge),
    shed: make('requests_shed_total', Counter),
  };
}
