// The added cost per check of each telemetry integration, in-process, on runs of 20 checks: measured in a
// process of its own, each integration paired with a run without it, a collection before each.
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import StatsD from 'hot-shots';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createHealthBus, type HealthBus, instrument, registerCheck, runHealthChecks } from '../dist/index.js';
import { prometheusMetrics } from '../dist/telemetry/prometheus.js';
import { statsdReporter } from '../dist/telemetry/statsd.js';
import { tracing } from '../dist/telemetry/tracing.js';
import { Child } from './child.js';
import { median } from './stats.js';

const CHECKS = 20;
/** The run of 20 checks itself, without telemetry: what the added costs are added to. */
export const RUN = 'the run itself, without telemetry';
/** Each integration's floor: what its client alone costs to say what we say of one check. */
export const FLOORS = {
  prometheus: 'a bare listener making the same 4 prom-client calls with labels',
  statsd: 'a bare listener making the same 2 hot-shots calls (mock client)',
  tracing:
    'a bare instrumentation: a root span per run and a child per check, the check called inside it (BatchSpanProcessor, an exporter that drops)',
} as const;

/** Takes every span and keeps none, as an exporter that has sent them does: kept spans would be the GC's cost, not ours. */
class Dropping implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function busWithChecks(): HealthBus {
  const bus = createHealthBus();
  for (let i = 0; i < CHECKS; i++) registerCheck(`check${i}`, () => true, { bus });
  return bus;
}

/** ns per check each integration adds to a run of 20 checks (median of paired rounds), each client's floor, and the run itself. */
export async function measureTelemetry(rounds = 15, runs = 300): Promise<Record<string, number>> {
  const child = new Child('./telemetry.ts', 'measure');
  try {
    return await child.ask<Record<string, number>>({ rounds, runs });
  } finally {
    child.stop();
  }
}

async function measureHere(rounds: number, runs: number): Promise<Record<string, number>> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Batched, as production exports: the SDK's SimpleSpanProcessor alone costs ~10 µs per span here.
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new Dropping(), { maxQueueSize: 100_000, scheduledDelayMillis: 50 })],
  });
  const statsd = new StatsD({ mock: true });
  const buses: Record<string, HealthBus> = {
    none: busWithChecks(),
    prometheus: busWithChecks(),
    statsd: busWithChecks(),
    tracing: busWithChecks(),
  };
  prometheusMetrics({ bus: buses.prometheus!, registry: new Registry() });
  statsdReporter({ client: statsd, bus: buses.statsd! });
  tracing({ bus: buses.tracing!, tracerProvider: provider });
  const tracer = provider.getTracer('floor');
  const time = async (work: () => unknown): Promise<number> => {
    // The mock client keeps every datagram: emptied, so that no round pays for an earlier one's garbage.
    (statsd as unknown as { mockBuffer: string[] }).mockBuffer.length = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) await work();
    return Number(process.hrtime.bigint() - started) / runs;
  };
  const run = (bus: HealthBus) => () => runHealthChecks({ bus, logger: false });
  // Each client's floor, on a run of its own like ours: the calls it takes to say what we say of each
  // check, made by a bare listener (or instrumentation), nothing else. The same calls cost more inside
  // a run than in a loop of their own, so a floor measured apart would flatter nobody.
  const floorRegistry = new Registry();
  const gauge = new Gauge({ name: 'floor_status', help: 'h', labelNames: ['check'], registers: [floorRegistry] });
  const histogram = new Histogram({
    name: 'floor_seconds',
    help: 'h',
    labelNames: ['check'],
    registers: [floorRegistry],
  });
  const counter = new Counter({
    name: 'floor_total',
    help: 'h',
    labelNames: ['check', 'status'],
    registers: [floorRegistry],
  });
  const floorBuses: Record<string, HealthBus> = {
    [FLOORS.prometheus]: busWithChecks(),
    [FLOORS.statsd]: busWithChecks(),
    [FLOORS.tracing]: busWithChecks(),
  };
  floorBuses[FLOORS.prometheus]!.on('healthresult', (result) => {
    for (const { name, duration } of result.checks) {
      gauge.set({ check: name }, 2);
      histogram.observe({ check: name }, duration / 1000);
      counter.inc({ check: name, status: 'ok' });
      gauge.set({ check: name }, 1);
    }
  });
  floorBuses[FLOORS.statsd]!.on('healthresult', (result) => {
    for (const { name, duration } of result.checks) {
      statsd.check('floor.check', 0, {}, [`check:${name}`]);
      statsd.timing('floor.check.duration', duration, [`check:${name}`]);
    }
  });
  // A trace at all: a root span per run, a child per check, the check called inside it so its own spans nest.
  instrument(floorBuses[FLOORS.tracing]!, {
    runStarted() {
      const root = tracer.startSpan('floor run', { root: true });
      const runContext = trace.setSpan(ROOT_CONTEXT, root);
      return {
        check(_check, call) {
          const span = tracer.startSpan('floor check', undefined, runContext);
          context.with(trace.setSpan(runContext, span), call);
          return () => span.end();
        },
        ended: () => root.end(),
      };
    },
  });
  const variants: Record<string, () => unknown> = {
    prometheus: run(buses.prometheus!),
    statsd: run(buses.statsd!),
    tracing: run(buses.tracing!),
    ...Object.fromEntries(Object.entries(floorBuses).map(([name, bus]) => [name, run(bus)])),
  };
  const none = run(buses.none!);
  for (const work of [none, ...Object.values(variants)]) await time(work);
  const added: Record<string, number[]> = Object.fromEntries([...Object.keys(variants), RUN].map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    added[RUN]!.push(await time(none));
    for (const [name, work] of Object.entries(variants)) {
      // Each paired with a run without it, in turn first and second: drift falls on both alike.
      if (round % 2 === 0) added[name]!.push(-(await time(none)) + (await time(work)));
      else added[name]!.push((await time(work)) - (await time(none)));
    }
  }
  return Object.fromEntries(Object.entries(added).map(([name, samples]) => [name, median(samples) / CHECKS]));
}

if (process.argv[2] === 'measure' && process.send) {
  process.on('message', (message: { rounds: number; runs: number }) => {
    void measureHere(message.rounds, message.runs).then((figures) => process.send!(figures));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
} else if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureTelemetry());
