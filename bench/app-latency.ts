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

/** The latency of the app's route in one kind of phase, ms from each request's due time. */
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

/** One app's figures: per kind of phase, all rounds' answers together and each round's on its own. */
export interface AppLatency {
  phases: Record<Phase, { all: PhaseFigures; rounds: PhaseFigures[] }>;
  /** The p99 of each phase of the route alone on its own, in order: how far runs of the same thing differ here. */
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

/** What a phase's answers come to; `probes` are the flood's answers (their count and p50). */
function figuresOf(
  app: number[],
  probes: { count: number; p50: number },
  calls: number,
  seconds: number,
): PhaseFigures {
  const sorted = [...app].sort((a, b) => a - b);
  const round2 = (ms: number): number => Math.round(ms * 100) / 100;
  return {
    p50: round2(percentile(sorted, 50)),
    p99: round2(percentile(sorted, 99)),
    p999: round2(percentile(sorted, 99.9)),
    answered: app.length,
    probes: probes.count,
    probeP50: round2(probes.p50),
    checkCallsPerSecond: Math.round(calls / seconds),
  };
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
    const samples = Object.fromEntries(
      apps.map((name) => [name, { rounds: [] as Array<Record<Phase, PhaseSamples>>, aloneP99s: [] as number[] }]),
    );
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? apps : [...apps].reverse()) {
        const { port, probePort, paths } = ports[name]!;
        const agent = new Agent({ keepAlive: true, maxSockets: 4000 });
        // Not counted: the route after the app sat idle while the others were measured (JIT, sockets).
        await offer(port, agent, 4 * appRate, ['/work'], 2);
        const taken = { alone: new PhaseSamples(), probes: new PhaseSamples(), hanging: new PhaseSamples() };
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
          taken[phase].add(app, probes, calls);
          if (quiet)
            samples[name]!.aloneP99s.push(
              percentile(
                [...app].sort((a, b) => a - b),
                99,
              ),
            );
        }
        agent.destroy();
        samples[name]!.rounds.push(taken);
      }
    }
    const figures = Object.fromEntries(
      apps.map((name) => {
        const { rounds: taken, aloneP99s } = samples[name]!;
        const phaseFigures = (phase: Phase): AppLatency['phases'][Phase] => {
          const all = new PhaseSamples();
          for (const round of taken) all.merge(round[phase]);
          return { all: all.figures(seconds), rounds: taken.map((round) => round[phase].figures(seconds)) };
        };
        const latency: AppLatency = {
          phases: { alone: phaseFigures('alone'), probes: phaseFigures('probes'), hanging: phaseFigures('hanging') },
          aloneP99s: aloneP99s.map((ms) => Math.round(ms * 100) / 100),
        };
        return [name, latency];
      }),
    ) as LatencyFigures['apps'];
    return { apps: figures, appRate, probeRate, seconds, rounds };
  } finally {
    for (const child of Object.values(children)) child.kill();
  }
}

/** The answers of one or more phases of the same kind, gathered. */
class PhaseSamples {
  readonly app: number[] = [];
  readonly probeP50s: number[] = [];
  probes = 0;
  calls = 0;
  phases = 0;

  add(app: number[], probes: { count: number; p50: number }, calls: number): void {
    this.app.push(...app);
    if (probes.count > 0) this.probeP50s.push(probes.p50);
    this.probes += probes.count;
    this.calls += calls;
    this.phases++;
  }

  merge(other: PhaseSamples): void {
    this.app.push(...other.app);
    this.probeP50s.push(...other.probeP50s);
    this.probes += other.probes;
    this.calls += other.calls;
    this.phases += other.phases;
  }

  /** Per phase: the answers counted and the calls per second are a phase's on average. */
  figures(seconds: number): PhaseFigures {
    const per = Math.max(1, this.phases);
    const p50 = this.probeP50s.length ? median(this.probeP50s) : Number.NaN;
    const figures = figuresOf(this.app, { count: Math.round(this.probes / per), p50 }, this.calls / per, seconds);
    return { ...figures, answered: Math.round(this.app.length / per) };
  }
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
