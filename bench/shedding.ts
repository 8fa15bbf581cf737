// A sustained overload: an app whose route takes 4 ms of CPU, offered more requests a second than one core
// can serve, at a fixed rate (open loop: arrivals do not wait for answers), for a few seconds. The same app
// with and without loadShedding(): the latency of the requests it admits (200), how many it shed (503), and
// the latency of a readiness probe sent every 100 ms meanwhile. The server runs in a child process of its
// own; this process only sends and times.
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { createHealthBus, health } from '../dist/index.js';
import { loadShedding } from '../dist/koa/shedding.js';

export interface OverloadFigures {
  /** Requests offered a second, and what one core serves of them (1000 / the route's ms). */
  offeredPerSecond: number;
  capacityPerSecond: number;
  seconds: number;
  /** The requests answered 200: how many, and their latency in ms. */
  admitted: { count: number; p50: number; p99: number };
  shed: number;
  /** The readiness probe sent every 100 ms during the overload, in ms. */
  probe: { p50: number; p99: number; worst: number };
}

const ROUTE_MS = 4;

/** The app, with or without shedding, in this process (the child's side). */
function serve(shedding: boolean): void {
  const bus = createHealthBus();
  const app = new Koa();
  if (shedding)
    app.use(loadShedding({ bus, maxEventLoopDelay: 50, maxEventLoopUtilization: 0.95, sampleInterval: 100 }));
  app.use(health({ bus, disableFile: false, logger: false }));
  app.use((ctx) => {
    const until = performance.now() + ROUTE_MS;
    while (performance.now() < until) {
      // The route's own CPU-bound work.
    }
    ctx.body = { ok: true };
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`port ${typeof address === 'object' && address ? address.port : 0}`);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Offers `perSecond` requests a second for `seconds` to a fresh child server; times every answer. */
async function overload(shedding: boolean, perSecond: number, seconds: number): Promise<OverloadFigures> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), shedding ? 'shedding' : 'plain'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  while (!/port (\d+)/.test(out)) await new Promise((resolve) => setTimeout(resolve, 10));
  const port = Number(/port (\d+)/.exec(out)![1]);
  const agent = new Agent({ keepAlive: true, maxSockets: 4000 });
  const send = (path: string): Promise<{ status: number; ms: number }> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      });
      req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
      req.end();
    });
  // Warm both sides up with a second at half the capacity.
  for (let i = 0; i < 100; i++) {
    await send('/work');
    await new Promise((resolve) => setTimeout(resolve, 8));
  }
  const answers: Array<Promise<{ status: number; ms: number }>> = [];
  const probes: Array<Promise<{ status: number; ms: number }>> = [];
  const started = performance.now();
  const total = perSecond * seconds;
  let nextProbe = 0;
  for (let i = 0; i < total; i++) {
    // Fixed arrivals: request i leaves at i / perSecond s, however late the answers are.
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    answers.push(send('/work'));
    if (performance.now() - started >= nextProbe) {
      probes.push(send('/health/ready'));
      nextProbe += 100;
    }
  }
  const results = await Promise.all(answers);
  const probeTimes = (await Promise.all(probes)).map(({ ms }) => ms).sort((a, b) => a - b);
  agent.destroy();
  child.kill('SIGKILL');
  const admitted = results
    .filter(({ status }) => status === 200)
    .map(({ ms }) => ms)
    .sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    offeredPerSecond: perSecond,
    capacityPerSecond: Math.round(1000 / ROUTE_MS),
    seconds,
    admitted: { count: admitted.length, p50: round(percentile(admitted, 50)), p99: round(percentile(admitted, 99)) },
    shed: results.filter(({ status }) => status === 503).length,
    probe: {
      p50: round(percentile(probeTimes, 50)),
      p99: round(percentile(probeTimes, 99)),
      worst: round(probeTimes.at(-1) ?? Number.NaN),
    },
  };
}

/** The same overload without and with loadShedding(), one after the other. */
export async function measureOverload(
  perSecond = 400,
  seconds = 5,
): Promise<{ without: OverloadFigures; with: OverloadFigures }> {
  return { without: await overload(false, perSecond, seconds), with: await overload(true, perSecond, seconds) };
}

const mode = process.argv[2];
if (mode === 'plain' || mode === 'shedding') serve(mode === 'shedding');
