// 10,000 checks scheduled every 10 s on one bus, idle (no request), over 10 minutes of simulated time:
// the CPU their runs take, as a share of one core over those 10 minutes; the heap between the first and
// the last minute; and how evenly the runs spread over the seconds. Run in a process of its own, with
// a fake clock (timers and Date), so ten minutes take seconds; the fake clock's own work counts as ours.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as FakeTimers from '@sinonjs/fake-timers';
import { createHealthBus, health, registerCheck } from '../dist/index.js';

export interface SimulatedFigures {
  checks: number;
  intervalMs: number;
  simulatedS: number;
  /** CPU time of the runs, as a share of one core over the simulated time. */
  cpuShare: number;
  runs: number;
  /** Heap used after a full GC, MB, after the first minute and at the end. */
  heapStartMB: number;
  heapEndMB: number;
  /** Runs per second after the first interval: the mean, and the busiest second. */
  meanPerSecond: number;
  maxPerSecond: number;
  /** The busiest second of the first interval, when every check makes its first run. */
  firstIntervalMaxPerSecond: number;
}

/** CPU over a window of real time, after the first interval has passed. */
export interface RealFigures {
  seconds: number;
  runs: number;
  /** Process CPU (every thread, user and system) as a share of one core. */
  cpuShare: number;
  /** The main thread's event-loop utilization. */
  eventLoop: number;
}

export interface ScheduleFigures {
  simulated: SimulatedFigures;
  /** koa-health's schedules in real time: three processes, each measured alone. */
  real: RealFigures[];
  /** The limit: one timer waking 20 times a second and calling the functions due, as no scheduler can beat. */
  timer: RealFigures;
  /** What an app would write without a scheduler: 10,000 bare `setTimeout` loops calling the same function. */
  bare: RealFigures;
}

/**
 * Each measure in a child process of its own (fresh heap, `--expose-gc`). The real-time ones run side by
 * side, so that whatever else the machine does in those seconds weighs on each of them alike; each is an
 * idle process taking a few percent of one core, so on two cores they do not crowd one another.
 */
export async function measureSchedule(): Promise<ScheduleFigures> {
  const run = async <T>(mode: string): Promise<T> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), mode],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
  };
  const simulated = await run<SimulatedFigures>('simulate');
  const [timer, bare, ...real] = await Promise.all(
    ['timer', 'bare', 'real', 'real', 'real'].map((mode) => run<RealFigures>(mode)),
  );
  return { simulated, real: real.sort((a, b) => a.cpuShare - b.cpuShare), timer: timer!, bare: bare! };
}

/** 10,000 checks every 10 s on real timers: koa-health's schedules, one timer for all, or bare `setTimeout` loops. */
async function real(
  mode: 'real' | 'timer' | 'bare',
  checks = 10_000,
  intervalMs = 10_000,
  seconds = 10,
): Promise<RealFigures> {
  let runs = 0;
  const fn = (): boolean => {
    runs++;
    return true;
  };
  const keepAlive = setInterval(() => {}, 1000);
  let close = (): void => {};
  if (mode === 'bare') {
    for (let i = 0; i < checks; i++) {
      const loop = (): void => {
        fn();
        setTimeout(loop, intervalMs * (1 + 0.1 * (Math.random() - 0.5))).unref();
      };
      setTimeout(loop, Math.random() * intervalMs).unref();
    }
  } else if (mode === 'timer') {
    const tick = 50;
    const perTick = (checks * tick) / intervalMs;
    const functions = Array.from({ length: checks }, () => fn);
    let next = 0;
    setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        functions[next]!();
        next = (next + 1) % checks;
      }
    }, tick).unref();
  } else {
    const bus = createHealthBus();
    for (let i = 0; i < checks; i++) registerCheck(`check-${i}`, fn, { bus, interval: intervalMs });
    const middleware = health({ bus, disableFile: false, logger: false });
    close = () => middleware.close();
  }
  // Past two and a half intervals, when every check has made its first two runs (the first anywhere in
  // the first interval, the second 0.5 to 1.5 intervals after it) and runs at its steady pace.
  await new Promise((resolve) => setTimeout(resolve, 2.5 * intervalMs));
  const runsBefore = runs;
  const cpuBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = performance.now() - startedAt;
  const eventLoop = performance.eventLoopUtilization(loopBefore).utilization;
  close();
  clearInterval(keepAlive);
  return { seconds, runs: runs - runsBefore, cpuShare: (cpu.user + cpu.system) / 1000 / elapsed, eventLoop };
}

async function simulate(checks = 10_000, intervalMs = 10_000, simulatedS = 600): Promise<SimulatedFigures> {
  const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
  const gc = (globalThis as { gc?: () => void }).gc!;
  const heapMB = (): number => {
    gc();
    return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
  };
  const perSecond = new Array<number>(simulatedS).fill(0);
  const bus = createHealthBus();
  for (let i = 0; i < checks; i++) {
    registerCheck(
      `check-${i}`,
      () => {
        const second = Math.floor(Date.now() / 1000);
        if (second < simulatedS) perSecond[second]!++;
        return true;
      },
      { bus, interval: intervalMs },
    );
  }
  // health() starts the schedules, as an app does; no request is ever made.
  const middleware = health({ bus, disableFile: false, logger: false });
  let heapStartMB = 0;
  const cpuStart = process.cpuUsage();
  for (let second = 0; second < simulatedS; second++) {
    await clock.tickAsync(1000);
    if (second === 59) heapStartMB = heapMB();
  }
  const cpu = process.cpuUsage(cpuStart);
  const heapEndMB = heapMB();
  middleware.close();
  clock.uninstall();
  const steady = perSecond.slice(intervalMs / 1000);
  const first = perSecond.slice(0, intervalMs / 1000);
  return {
    checks,
    intervalMs,
    simulatedS,
    cpuShare: (cpu.user + cpu.system) / 1e6 / simulatedS,
    runs: perSecond.reduce((sum, count) => sum + count, 0),
    heapStartMB,
    heapEndMB,
    meanPerSecond: steady.reduce((sum, count) => sum + count, 0) / steady.length,
    maxPerSecond: Math.max(...steady),
    firstIntervalMaxPerSecond: Math.max(...first),
  };
}

const mode = process.argv[2];
if (mode === 'simulate') console.log(JSON.stringify(await simulate()));
else if (mode === 'real' || mode === 'timer' || mode === 'bare') {
  console.log(JSON.stringify(await real(mode)));
  process.exit(0);
}
