// The app's own latency under probe traffic: what its users care about. An app route (a small JSON handler)
// gets Poisson arrivals at a fixed rate, not saturating; then the same with a probe flood beside it
// (`/health/ready` and `?checks=all`, ten checks of 20 ms of simulated I/O); then with the checks hanging
// (each fails at the 1 s deadline). koa-health, a hand-written Koa route that runs the same checks per
// request, @godaddy/terminus (the same checks per request), and lightship (its own server for the probes,
// answered from a state the app sets after running the same checks every second, as its users do); each app
// in a process of its own; this process only sends and times, from each request's due time (a late send
// counts against the server, not for it).
import { fork } from 'node:child_process';
import { Agent, createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { createHealthBus, health, registerCheck } from '../dist/index.js';
import { median } from './stats.js';

const require = createRequire(import.meta.url);
const CHECKS = 10;
const CHECK_MS = 20;
const TIMEOUT_MS = 1000;

/** The apps measured, by name; each answers `/work` and its probes. */
export const LATENCY_APPS = ['koa-health', 'hand-written route', '@godaddy/terminus', 'lightship'] as const;
export type LatencyApp = (typeof LATENCY_APPS)[number];

/** What the checks do now: 20 ms of simulated I/O, or never settle. */
const state = { hanging: false, calls: 0 };

function check(): Promise<void> {
  state.calls++;
  return state.hanging ? new Promise(() => {}) : new Promise((resolve) => setTimeout(resolve, CHECK_MS));
}

/** The ten checks, run as a peer runs them per request: all at once, failed at the deadline. */
function runChecksPerRequest(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), TIMEOUT_MS);
  });
  const all = Promise.all(Array.from({ length: CHECKS }, check)).then(() => true);
  return Promise.race([all, deadline]).finally(() => clearTimeout(timer));
}

/** The app's own route: a small JSON answer. */
const work: Koa.Middleware = (ctx, next) => {
  if (ctx.path !== '/work') return next();
  ctx.body = { ok: true, at: Date.now() };
};

/** The app's server, and where its probes are answered (another server for lightship), with their paths. */
interface Served {
  readonly app: Server;
  readonly probes: Server;
  readonly paths: readonly string[];
}

async function server(name: LatencyApp): Promise<Served> {
  if (name === 'lightship') {
    const { createLightship } = await import('lightship');
    // Local mode: its own server on a free port; no signal handlers of its own in a benchmark child.
    const lightship = await createLightship({ signals: [], shutdownDelay: 0 });
    const loop = async (): Promise<void> => {
      if (await runChecksPerRequest()) lightship.signalReady();
      else lightship.signalNotReady();
      setTimeout(() => void loop(), 1000).unref();
    };
    void loop();
    const app = createServer(new Koa().use(work).callback());
    return { app, probes: lightship.server, paths: ['/ready', '/health'] };
  }
  const app = plainServer(name);
  return { app, probes: app, paths: ['/health/ready', '/health?checks=all'] };
}

function plainServer(name: Exclude<LatencyApp, 'lightship'>): Server {
  if (name === 'koa-health') {
    const bus = createHealthBus();
    for (let i = 0; i < CHECKS; i++) registerCheck(`check${i}`, check, { bus });
    return createServer(
      new Koa()
        .use(health({ bus, disableFile: false, logger: false, timeout: TIMEOUT_MS }))
        .use(work)
        .callback(),
    );
  }
  if (name === 'hand-written route') {
    const route: Koa.Middleware = async (ctx, next) => {
      if (ctx.path !== '/health' && ctx.path !== '/health/ready') return next();
      const ok = await runChecksPerRequest();
      ctx.status = ok ? 200 : 503;
      ctx.body = ok ? 'OK' : 'ERROR';
    };
    return createServer(new Koa().use(route).use(work).callback());
  }
  const { createTerminus } = require('@godaddy/terminus') as typeof import('@godaddy/terminus');
  const plain = createServer(new Koa().use(work).callback());
  const probe = async (): Promise<void> => {
    if (!(await runChecksPerRequest())) throw new Error('a check failed');
  };
  createTerminus(plain, { healthChecks: { '/health': probe, '/health/ready': probe }, logger: () => {} });
  return plain;
}

/** The latency of the app's route in one phase, ms from each request's due time. */
export interface PhaseFigures {
  p50: number;
  p99: number;
  p999: number;
  /** The app's requests answered, and the probes answered, in the phase. */
  answered: number;
  probes: number;
  /** The probes' own p50, ms. */
  probeP50: number;
  /** Check function calls per second in the phase. */
  checkCallsPerSecond: number;
}

export interface LatencyFigures {
  /** Per app, per phase, one entry per round. */
  rounds: Record<LatencyApp, Record<Phase, PhaseFigures[]>>;
  appRate: number;
  probeRate: number;
  seconds: number;
}

/** `again`: the route alone once more, after the others: how far two runs of the same thing differ here. */
export type Phase = 'alone' | 'probes' | 'hanging' | 'again';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Sends Poisson arrivals at `rate`/s to `paths` in turn for `seconds`; resolves with each answer's ms from its due time. */
async function offer(
  port: number,
  agent: Agent,
  rate: number,
  paths: readonly string[],
  seconds: number,
): Promise<number[]> {
  const answers: Array<Promise<number>> = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  let due = started;
  let turn = 0;
  while (due < end) {
    due += -Math.log(1 - Math.random()) * (1000 / rate);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const path = paths[turn++ % paths.length]!;
    // Timed from the due time when this process sends late (a stalled server delays our timers too), else from
    // the send: timers wake up to 1 ms late, which is not the server's doing.
    const sentFor = Math.min(performance.now(), due + 1);
    answers.push(
      new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - sentFor));
        });
        req.on('error', () => resolve(Number.NaN));
        req.end();
      }),
    );
  }
  return (await Promise.all(answers)).filter((ms) => !Number.isNaN(ms));
}

/** Measures every app, phases in turn, rounds interleaved (A B C, then C B A). */
export async function measureAppLatency({
  appRate = 500,
  probeRate = 1000,
  seconds = 3,
  rounds = 3,
  apps = LATENCY_APPS,
}: {
  appRate?: number;
  probeRate?: number;
  seconds?: number;
  rounds?: number;
  apps?: readonly LatencyApp[];
} = {}): Promise<LatencyFigures> {
  const children = Object.fromEntries(
    apps.map((name) => [
      name,
      fork(fileURLToPath(import.meta.url), [name], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    ]),
  );
  const ask = <T>(name: string, message: object): Promise<T> =>
    new Promise((resolve) => {
      children[name]!.once('message', (reply) => resolve(reply as T));
      children[name]!.send(message);
    });
  try {
    const ports: Record<string, { port: number; probePort: number; paths: string[] }> = {};
    for (const name of apps) ports[name] = await ask(name, { type: 'port' });
    const result = Object.fromEntries(
      apps.map((name) => [name, { alone: [], probes: [], hanging: [], again: [] }]),
    ) as unknown as LatencyFigures['rounds'];
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? apps : [...apps].reverse()) {
        const { port, probePort, paths } = ports[name]!;
        for (const phase of ['alone', 'probes', 'hanging', 'again'] as const) {
          const quiet = phase === 'alone' || phase === 'again';
          await ask(name, { type: 'hang', hanging: phase === 'hanging' });
          const agent = new Agent({ keepAlive: true, maxSockets: 4000 });
          // Warm-up, not counted: sockets, JIT, and for the hanging phase the first run that hangs.
          const warm = quiet ? 0.5 : 1.5;
          await Promise.all([
            offer(port, agent, appRate, ['/work'], warm),
            quiet ? [] : offer(probePort, agent, probeRate, paths, warm),
          ]);
          await ask(name, { type: 'calls' });
          const [app, probes] = await Promise.all([
            offer(port, agent, appRate, ['/work'], seconds),
            quiet ? [] : offer(probePort, agent, probeRate, paths, seconds),
          ]);
          const { calls } = await ask<{ calls: number }>(name, { type: 'calls' });
          agent.destroy();
          const sorted = [...app].sort((a, b) => a - b);
          const round1 = (ms: number): number => Math.round(ms * 100) / 100;
          result[name][phase].push({
            p50: round1(percentile(sorted, 50)),
            p99: round1(percentile(sorted, 99)),
            p999: round1(percentile(sorted, 99.9)),
            answered: app.length,
            probes: probes.length,
            probeP50: round1(probes.length ? median(probes) : Number.NaN),
            checkCallsPerSecond: Math.round(calls / seconds),
          });
        }
      }
    }
    return { rounds: result, appRate, probeRate, seconds };
  } finally {
    for (const child of Object.values(children)) child.kill();
  }
}

// The child's side: one app's server, told over IPC whether its checks hang.
const mode = process.argv[2] as LatencyApp | undefined;
if (mode !== undefined && (LATENCY_APPS as readonly string[]).includes(mode) && process.send) {
  const served = server(mode).then(async (made) => {
    await new Promise<void>((resolve) => made.app.listen(0, '127.0.0.1', resolve));
    return made;
  });
  process.on('message', async (message: { type: string; hanging?: boolean }) => {
    if (message.type === 'port') {
      const { app, probes, paths } = await served;
      const port = (app.address() as AddressInfo).port;
      process.send!({ port, probePort: (probes.address() as AddressInfo).port, paths });
    }
    if (message.type === 'hang') {
      state.hanging = message.hanging === true;
      process.send!({ ok: true });
    }
    if (message.type === 'calls') {
      process.send!({ calls: state.calls });
      state.calls = 0;
    }
  });
  process.on('disconnect', () => process.exit(0));
}
