// In-process timings: Koa's composed middleware run on app.createContext(req, res), many thousands of
// times per block, blocks of the variants interleaved, medians compared. Small costs hide in HTTP noise.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import { Registry } from 'prom-client';
import { createHealthBus, registerCheck } from '../dist/index.js';
import { loadShedding } from '../dist/koa/shedding.js';
import { prometheusMetrics } from '../dist/telemetry/prometheus.js';
import { tracing } from '../dist/telemetry/tracing.js';
import { appResponse, busWithChecks, handWritten, handWrittenStat, koaHealth, simpleHealthcheck } from './apps.js';
import type { Samples } from './stats.js';

/** An exporter that takes every span and keeps none: a million runs must not look like a leak of ours. */
class InMemoryDropping implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const socket = new Socket();

/** ns per request of `app` answering `url`, over `n` requests. */
export type Runner = (n: number) => Promise<number>;

export function runner(app: Koa, url: string, middleware: Middleware[] = app.middleware): Runner {
  const handle = compose(middleware);
  // One request and response reused, so that allocation noise does not drown the middleware's cost;
  // the parsed URL and the headers set are dropped before each request, so `ctx.path` costs what it costs
  // on a new request, and Koa sets the `Content-Type` a new response does not have yet.
  const req = new IncomingMessage(socket);
  req.url = url;
  req.method = 'GET';
  const res = new ServerResponse(req);
  const unparsed = req as unknown as { _parsedUrl: unknown };
  const fresh = res as unknown as Record<symbol, unknown>;
  const outHeaders = Object.getOwnPropertySymbols(res).find((symbol) => symbol.description === 'kOutHeaders');
  if (outHeaders === undefined)
    throw new Error('Node keeps no kOutHeaders on a response any more: reset the headers another way');
  return async (n) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      unparsed._parsedUrl = undefined;
      fresh[outHeaders] = null;
      await handle(app.createContext(req, res));
    }
    return Number(process.hrtime.bigint() - started) / n;
  };
}

/** ns per request of each variant, one sample per round, blocks interleaved A B B A ... after a warm-up round. */
export async function interleaved(variants: Record<string, Runner>, rounds: number, n: number): Promise<Samples> {
  const names = Object.keys(variants);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const ns = await variants[name]!(n);
      if (round >= 0) samples[name]!.push(ns);
    }
  }
  return samples;
}

// The floor of any middleware: what one more step of Koa's compose costs.
const passOn: Middleware = function passOn(_ctx, next) {
  return next();
};

/**
 * The in-process groups: variants compared with each other run in one process, on one Koa app (so that
 * contexts have one shape), each a different middleware chain.
 */
export function inProcessGroups(): Record<string, Record<string, () => Runner>> {
  const app = new Koa();
  const chain =
    (url: string, ...middleware: Middleware[]) =>
    (): Runner =>
      runner(app, url, [...middleware, appResponse]);
  const checks = (cached: boolean): Middleware =>
    koaHealth({ bus: busWithChecks(10, 0), ...(cached ? { cache: { success: 60_000, failure: 60_000 } } : {}) });
  // The same ten checks, each on a timer of its own: every request takes their last results.
  const scheduled = (): Middleware => {
    const bus = createHealthBus();
    for (let i = 0; i < 10; i++) registerCheck(`check${i}`, () => true, { bus, interval: 60_000 });
    return koaHealth({ bus });
  };
  // The memory group: checks with metrics and tracing listening, as a production app would. Five are
  // enough to show a leak per check (a byte each is 5 MB over a million requests) and keep it to a minute.
  const observed = (): Middleware => {
    const bus = busWithChecks(5, 0);
    prometheusMetrics({ bus, registry: new Registry() });
    tracing({
      bus,
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new InMemoryDropping())] }),
    });
    return koaHealth({ bus });
  };
  return {
    pass: {
      'bare chain': chain('/other'),
      'koa-health': chain('/other', koaHealth()),
      'hand-written': chain('/other', handWritten),
      'empty middleware': chain('/other', passOn),
      'koa-simple-healthcheck': chain('/other', simpleHealthcheck()),
      // Under its limits, as nearly always: a limit this run cannot reach (the loop here is busy all the time).
      loadShedding: chain('/other', loadShedding({ maxRssBytes: Number.MAX_SAFE_INTEGER })),
    },
    health: {
      'hand-written OK': chain('/health', handWritten),
      'hand-written OK + one stat': chain('/health', handWrittenStat),
      'koa-health': chain('/health', koaHealth()),
      'koa-health without disable file': chain('/health', koaHealth({ disableFile: false })),
      'koa-simple-healthcheck': chain('/health', simpleHealthcheck()),
    },
    checks: {
      uncached: chain('/health?checks=all', checks(false)),
      cached: chain('/health?checks=all', checks(true)),
      scheduled: chain('/health?checks=all', scheduled()),
    },
    memory: {
      uncached: chain('/health?checks=all', observed()),
    },
  };
}

export interface MemoryFigures {
  requests: number;
  heapStartMB: number;
  heapEndMB: number;
  rssStartMB: number;
  rssEndMB: number;
}

/** Heap and RSS before and after `requests` uncached `?checks=all` requests: leaks per request show here. */
export async function memory(run: Runner, requests: number): Promise<MemoryFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  await run(20_000);
  gc();
  const start = process.memoryUsage();
  for (let done = 0; done < requests; done += 50_000) await run(50_000);
  gc();
  const end = process.memoryUsage();
  const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return {
    requests,
    heapStartMB: mb(start.heapUsed),
    heapEndMB: mb(end.heapUsed),
    rssStartMB: mb(start.rss),
    rssEndMB: mb(end.rss),
  };
}
