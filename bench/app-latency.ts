// The app's own latency under probe traffic: what its users care about. An app route (a small JSON handler)
// gets Poisson arrivals at a fixed rate, not saturating; then the same with a probe flood beside it
// (`/health/ready` and `?checks=all`, ten checks of 20 ms of simulated I/O); then with the checks hanging
// (each fails at the 1 s deadline). koa-health (checks run on demand, one run shared by the probes waiting
// for it; and with `refreshInterval: 1000`, probes answered from the last background run), a hand-written
// Koa route that runs the same checks per request, @godaddy/terminus (the same checks per request), and
// lightship (its own server for the probes, answered from a state the app sets after running the same checks
// every second, as its users do); and three limits that are not peers: a hand-written run shared by the probes
// waiting for it (the least an on-demand shared run through Koa can cost), a constant `OK` from Koa's first
// middleware (the least any answer through Koa can cost), and the floor: a constant `OK` written before Koa
// runs, the least any answer to a probe can cost the app's process. Each app in a process of its own, the
// probes sent by another; this process only sends the app's requests and times them, from each request's
// due time (a late send counts against the server, not for it).
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
export const LATENCY_APPS = [
  'koa-health',
  'koa-health, refreshInterval 1 s',
  'hand-written route',
  '@godaddy/terminus',
  'lightship',
  'the floor: OK before Koa',
  'OK in Koa',
  'hand-written shared run',
] as const;
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
  // terminus matches the whole URL, query and all: its probes go to the paths it answers by running the checks.
  const paths = name === '@godaddy/terminus' ? ['/health/ready', '/health'] : ['/health/ready', '/health?checks=all'];
  return { app, probes: app, paths };
}

function plainServer(name: Exclude<LatencyApp, 'lightship'>): Server {
  if (name === 'koa-health' || name === 'koa-health, refreshInterval 1 s') {
    const bus = createHealthBus();
    for (let i = 0; i < CHECKS; i++) registerCheck(`check${i}`, check, { bus });
    // The second: the checks run every second in the background and probes are answered from the last run,
    // lightship's model, through Koa.
    const refreshInterval = name === 'koa-health' ? false : 1000;
    return createServer(
      new Koa()
        .use(health({ bus, disableFile: false, logger: false, timeout: TIMEOUT_MS, refreshInterval }))
        .use(work)
        .callback(),
    );
  }
  if (name === 'hand-written route') return handWritten(runChecksPerRequest);
  if (name === 'the floor: OK before Koa') {
    // The least any answer to a probe can cost the app's process: a constant, written before Koa runs.
    const app = new Koa().use(work).callback();
    return createServer((req, res) => {
      if (!req.url?.startsWith('/health')) return app(req, res);
      res.setHeader('Content-Type', 'text/plain');
      res.end('OK');
    });
  }
  if (name === 'hand-written shared run') {
    // The least a run shared by the probes waiting for it can cost through Koa: one run at a time, no more.
    let run: Promise<boolean> | undefined;
    return handWritten(() => {
      run ??= runChecksPerRequest().finally(() => {
        run = undefined;
      });
      return run;
    });
  }
  if (name === 'OK in Koa') {
    // The least an answer through Koa can cost: a constant from the first middleware, nothing run.
    const constant: Koa.Middleware = (ctx, next) => {
      if (!ctx.path.startsWith('/health')) return next();
      ctx.body = 'OK';
    };
    return createServer(new Koa().use(constant).use(work).callback());
  }
  const { createTerminus } = require('@godaddy/terminus') as typeof import('@godaddy/terminus');
  const plain = createServer(new Koa().use(work).callback());
  const probe = async (): Promise<void> => {
    if (!(await runChecksPerRequest())) throw new Error('a check failed');
  };
  createTerminus(plain, { healthChecks: { '/health': probe, '/health/ready': probe }, logger: () => {} });
  return plain;
}

/** A hand-written Koa route answering the probes' paths with what `checks` says: 200 `OK` or 503 `ERROR`. */
function handWritten(checks: () => Promise<boolean>): Server {
  const route: Koa.Middleware = async (ctx, next) => {
    if (ctx.path !== '/health' && ctx.path !== '/health/ready') return next();
    const ok = await checks();
    ctx.status = ok ? 200 : 503;
    ctx.body = ok ? 'OK' : 'ERROR';
  };
  return createServer(new Koa().use(route).use(work).callback());
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

/**
 * One kind of phase of one app: each figure the median over its phases (one bad phase, the machine's, moves
 * a median of several little), and per round its p99 against the median p99 of the route alone in that round.
 */
export interface PhaseSummary extends PhaseFigures {
  ratios: number[];
  /** The median of `ratios`. */
  ratio: number;
}

export interface AppLatency {
  alone: PhaseSummary;
  probes: PhaseSummary;
  hanging: PhaseSummary;
  /** The p99 of each phase of the route alone, in order: how far runs of the same thing differ here. */
  aloneP99s: number[];
}

export interface LatencyFigures {
  apps: Record<LatencyApp, AppLatency>;
  appRate: number;
  probeRate: number;
  seconds: number;
  rounds: number;
}

/** The kinds of phase; a round of one app runs alone, probes, alone, hanging, alone. */
export type Phase = 'alone' | 'probes' | 'hanging';
const ROUND: readonly Phase[] = ['alone', 'probes', 'alone', 'hanging', 'alone'];

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

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

/**
 * Measures every app, rounds interleaved (A B C, then C B A). Each round of an app warms its route up, then runs
 * alone, probes, alone, hanging, alone: each loaded phase lies between two of the route alone, so that drift
 * over the round (a process waking from idle, the machine's other work) weighs on both sides of a ratio. The
 * probes come from a process of their own, so that this one only sends the app's requests and times them.
 */
export async function measureAppLatency({
  appRate = 500,
  probeRate = 1000,
  seconds = 3,
  rounds = 5,
  apps = LATENCY_APPS,
}: {
  appRate?: number;
  probeRate?: number;
  seconds?: number;
  rounds?: number;
  apps?: readonly LatencyApp[];
} = {}): Promise<LatencyFigures> {
  const children = Object.fromEntries(
    [...apps, 'flood'].map((name) => [
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
  const noProbes = Promise.resolve({ count: 0, p50: Number.NaN });
  try {
    const ports: Record<string, { port: number; probePort: number; paths: string[] }> = {};
    for (const name of apps) ports[name] = await ask(name, { type: 'port' });
    // Per app, per round, every phase in order.
    const measured = Object.fromEntries(apps.map((name) => [name, [] as Array<Array<[Phase, PhaseFigures]>>]));
    // Not counted: the route at four times its rate, so that the app measured first is as warm as the others.
    const warmUp = async (name: LatencyApp, agent: Agent): Promise<void> => {
      await offer(ports[name]!.port, agent, 4 * appRate, ['/work'], 2);
    };
    for (const name of apps) {
      const agent = new Agent({ keepAlive: true });
      await warmUp(name, agent);
      agent.destroy();
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? apps : [...apps].reverse()) {
        const { port, probePort, paths } = ports[name]!;
        const agent = new Agent({ keepAlive: true, maxSockets: 4000 });
        // Not counted: the route after the app sat idle while the others were measured.
        await warmUp(name, agent);
        const phases: Array<[Phase, PhaseFigures]> = [];
        for (const phase of ROUND) {
          const quiet = phase === 'alone';
          await ask(name, { type: 'hang', hanging: phase === 'hanging' });
          const flood = (time: number): Promise<{ count: number; p50: number }> =>
            quiet ? noProbes : ask('flood', { type: 'flood', port: probePort, paths, rate: probeRate, seconds: time });
          // Not counted: for the loaded phases, the flood's first runs (for the hanging phase, the first that hangs).
          if (!quiet) await Promise.all([offer(port, agent, appRate, ['/work'], 1.5), flood(1.5)]);
          await ask(name, { type: 'calls' });
          const [app, probes] = await Promise.all([offer(port, agent, appRate, ['/work'], seconds), flood(seconds)]);
          const { calls } = await ask<{ calls: number }>(name, { type: 'calls' });
          const sorted = app.sort((a, b) => a - b);
          phases.push([
            phase,
            {
              p50: round2(percentile(sorted, 50)),
              p99: round2(percentile(sorted, 99)),
              p999: round2(percentile(sorted, 99.9)),
              answered: app.length,
              probes: probes.count,
              probeP50: round2(probes.p50),
              checkCallsPerSecond: Math.round(calls / seconds),
            },
          ]);
        }
        agent.destroy();
        measured[name]!.push(phases);
      }
    }
    const figures = Object.fromEntries(apps.map((name) => [name, summarize(measured[name]!)]));
    return { apps: figures as LatencyFigures['apps'], appRate, probeRate, seconds, rounds };
  } finally {
    for (const child of Object.values(children)) child.kill();
  }
}

/** One app's rounds of phases, summed up per kind of phase. */
function summarize(rounds: Array<Array<[Phase, PhaseFigures]>>): AppLatency {
  const of = (round: Array<[Phase, PhaseFigures]>, kind: Phase): PhaseFigures[] =>
    round.filter(([phase]) => phase === kind).map(([, figures]) => figures);
  const aloneP99 = rounds.map((round) => median(of(round, 'alone').map(({ p99 }) => p99)));
  const summary = (kind: Phase): PhaseSummary => {
    const all = rounds.flatMap((round) => of(round, kind));
    const middle = (field: keyof PhaseFigures): number => round2(median(all.map((figures) => figures[field])));
    const ratios = rounds.map((round, i) => median(of(round, kind).map(({ p99 }) => p99)) / aloneP99[i]!);
    return {
      p50: middle('p50'),
      p99: middle('p99'),
      p999: middle('p999'),
      answered: middle('answered'),
      probes: middle('probes'),
      probeP50: middle('probeP50'),
      checkCallsPerSecond: middle('checkCallsPerSecond'),
      ratios,
      ratio: median(ratios),
    };
  };
  const aloneP99s = rounds.flatMap((round) => of(round, 'alone').map(({ p99 }) => p99));
  return { alone: summary('alone'), probes: summary('probes'), hanging: summary('hanging'), aloneP99s };
}

// The children's side: one app's server, told over IPC whether its checks hang; or the probes' flood.
const mode = process.argv[2] as LatencyApp | 'flood' | undefined;
if (mode === 'flood' && process.send) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4000 });
  process.on('message', async (message: { port: number; paths: string[]; rate: number; seconds: number }) => {
    const answers = await offer(message.port, agent, message.rate, message.paths, message.seconds);
    process.send!({ count: answers.length, p50: answers.length ? median(answers) : Number.NaN });
  });
  process.on('disconnect', () => process.exit(0));
}
const isApp = (name: string | undefined): name is LatencyApp =>
  (LATENCY_APPS as readonly string[]).includes(name ?? '');
if (isApp(mode) && process.send) {
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
