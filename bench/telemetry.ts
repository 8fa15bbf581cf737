// The added cost per check of each telemetry integration, in-process, on runs of 20 checks.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import StatsD from 'hot-shots';
import { Registry } from 'prom-client';
import { createHealthBus, registerCheck, runHealthChecks, type HealthBus } from '../dist/index.js';
import { prometheusMetrics } from '../dist/telemetry/prometheus.js';
import { statsdReporter } from '../dist/telemetry/statsd.js';
import { tracing } from '../dist/telemetry/tracing.js';
import { median } from './stats.js';

const CHECKS = 20;

function busWithChecks(): HealthBus {
  const bus = createHealthBus();
  for (let i = 0; i < CHECKS; i++) registerCheck(`check${i}`, () => true, { bus });
  return bus;
}

/** ns per check each integration adds to a run of 20 checks: the median of round-by-round differences. */
export async function measureTelemetry(rounds = 9, runs = 300): Promise<Record<string, number>> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  // Batched, as production exports: the SDK's SimpleSpanProcessor alone costs ~10 µs per span here.
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000, scheduledDelayMillis: 50 })] });
  const buses: Record<string, HealthBus> = {
    none: busWithChecks(), prometheus: busWithChecks(), statsd: busWithChecks(), tracing: busWithChecks(),
  };
  prometheusMetrics({ bus: buses.prometheus!, registry: new Registry() });
  statsdReporter({ client: new StatsD({ mock: true }), bus: buses.statsd! });
  tracing({ bus: buses.tracing!, tracerProvider: provider });
  const time = async (bus: HealthBus): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) await runHealthChecks({ bus, logger: false });
    return Number(process.hrtime.bigint() - started) / runs;
  };
  for (const bus of Object.values(buses)) await time(bus);
  const added: Record<string, number[]> = { prometheus: [], statsd: [], tracing: [], 'one bare span (the SDK\'s floor)': [] };
  const tracer = provider.getTracer('floor');
  for (let round = 0; round < rounds; round++) {
    const base = await time(buses.none!);
    for (const name of ['prometheus', 'statsd', 'tracing']) {
      added[name]!.push((await time(buses[name]!)) - base);
      exporter.reset();
    }
    // The least tracing can cost: one span started and ended per check, nothing else.
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs * CHECKS; i++) tracer.startSpan('floor').end();
    added["one bare span (the SDK's floor)"]!.push((Number(process.hrtime.bigint() - started) / runs));
    exporter.reset();
  }
  return Object.fromEntries(Object.entries(added).map(([name, samples]) => [name, median(samples) / CHECKS]));
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureTelemetry());
