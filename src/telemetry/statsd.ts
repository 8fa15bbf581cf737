/**
 * `koa-health/statsd`: the results of every run as DogStatsD service checks, timings and a gauge, through
 * the app's own hot-shots client, and a Datadog event on each transition (never one per failing probe).
 * @module
 */
import {
  type CheckStatus,
  type HealthBus,
  type HealthChange,
  healthBus,
  knownOptions,
  optionError,
  type RunResult,
  statusLabel,
  statusValue,
  validBus,
} from '../core/index.js';

/** What `statsdReporter()` uses of a hot-shots `StatsD` client. */
export interface StatsdClient {
  check(name: string, status: 0 | 1 | 2 | 3, options?: { message?: string }, tags?: string[]): void;
  timing(stat: string, value: number, tags?: string[]): void;
  gauge(stat: string, value: number, tags?: string[]): void;
  event(
    title: string,
    text?: string,
    options?: { alert_type?: 'error' | 'warning' | 'info' | 'success' },
    tags?: string[],
  ): void;
}

/** Options of `statsdReporter()`. */
export interface StatsdOptions {
  /** The app's hot-shots client (DogStatsD). */
  client: StatsdClient;
  /**
   * The bus whose runs are reported.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * The prefix of every name.
   * @default 'koa_health'
   */
  prefix?: string;
  /**
   * Whether to report at all (off in development, say).
   * @default true
   */
  enabled?: boolean;
}

/** What `statsdReporter()` returns: `close()` stops reporting. */
export interface ReporterHandle {
  close(): void;
}

const MAX_MESSAGE = 400;

/**
 * After every run on `bus`: a service check `<prefix>.check` per check (tag `check:<name>`, 0 OK, 1 WARNING,
 * 2 CRITICAL, with its message), a timing `<prefix>.check.duration` per check, a gauge `<prefix>.status`
 * (2 OK, 1 WARN, 0 ERROR); and on each transition an event (failed, recovered).
 * @throws {TypeError} for a wrong option
 */
export function statsdReporter(options: StatsdOptions): ReporterHandle {
  knownOptions(options, ['client', 'bus', 'prefix', 'enabled'], 'statsdReporter()');
  const { client, bus = healthBus, prefix = 'koa_health', enabled = true } = options;
  const candidate = client as Partial<StatsdClient> | null | undefined;
  if (
    !['check', 'timing', 'gauge', 'event'].every(
      (method) => typeof (candidate as Record<string, unknown> | null)?.[method] === 'function',
    )
  ) {
    throw optionError('statsdReporter()', 'client', 'a hot-shots StatsD client', client);
  }
  validBus(bus, 'statsdReporter()');
  if (typeof prefix !== 'string' || !/^[\w.]*$/.test(prefix))
    throw optionError('statsdReporter()', 'prefix', 'letters, digits, _ and .', prefix);
  if (typeof enabled !== 'boolean') throw optionError('statsdReporter()', 'enabled', 'true or false', enabled);
  if (!enabled) return { close() {} };
  const name = (stat: string): string => (prefix === '' ? stat : `${prefix}.${stat}`);
  const onResult = (result: RunResult): void => {
    for (const check of result.checks) {
      const tags = [`check:${tagValue(check.name)}`];
      // DogStatsD's service check scale runs the other way: 0 OK, 1 WARNING, 2 CRITICAL.
      const status = (2 - statusValue(check.status)) as 0 | 1 | 2;
      client.check(name('check'), status, check.message ? { message: sanitize(check.message) } : {}, tags);
      client.timing(name('check.duration'), check.duration, tags);
    }
    client.gauge(name('status'), statusValue(result.status));
  };
  const onChange = ({ checks }: HealthChange): void => {
    for (const { name: check, before, after, message } of checks) {
      const event = transitionEvent(before, after);
      if (event === undefined) continue;
      client.event(
        `${prefix || 'koa-health'}: ${tagValue(check)} ${event.title}`,
        sanitize(message || after),
        { alert_type: event.alertType },
        [`check:${tagValue(check)}`],
      );
    }
  };
  bus.on('healthresult', onResult);
  bus.on('healthchange', onChange);
  return {
    close() {
      bus.off('healthresult', onResult);
      bus.off('healthchange', onChange);
    },
  };
}

/**
 * The event a check's transition is: into a failure it failed, into `WARN` it warns (never a recovery, from
 * whatever it came), into `OK` it recovered; between two words of failure (`NOK` → `ERROR`), nothing.
 */
function transitionEvent(
  before: CheckStatus | undefined,
  after: CheckStatus,
): { title: string; alertType: 'error' | 'warning' | 'success' } | undefined {
  const to = statusLabel(after);
  if (before !== undefined && statusLabel(before) === to) return undefined;
  if (to === 'ok') return { title: 'recovered', alertType: 'success' };
  return to === 'warn' ? { title: 'warns', alertType: 'warning' } : { title: 'failed', alertType: 'error' };
}

/** A message DogStatsD can carry: hot-shots escapes neither `|` nor newlines, which would end the field or the datagram. */
function sanitize(message: string): string {
  const flat = message.replace(/\s*[\r\n|]+\s*/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

/** A tag value without the characters that separate tags and fields. */
function tagValue(value: string): string {
  return value.replace(/[|,#\s]/g, '_');
}
