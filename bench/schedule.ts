// 10,000 checks scheduled every 10 s on one bus, idle (no request), over 10 minutes of simulated time:
// the CPU their runs take, as a share of one core over those 10 minutes; the heap between the first and
// the last minute; and how evenly the runs spread over the seconds. Run in a process of its own, with
// a fake clock (timers and Date), so ten minutes take seconds; the fake clock's own work counts as ours.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as FakeTimers from '@sinonjs/fake-timers';
import { createHealthBus, health, registerCheck } from '../dist/index.js';

export interface ScheduleFigures {
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

/** Measures in a child process of its own (fresh heap, `--expose-gc`). */
export async function measureSchedule(): Promise<ScheduleFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), 'run'],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ScheduleFigures;
}

async function simulate(checks = 10_000, intervalMs = 10_000, simulatedS = 600): Promise<ScheduleFigures> {
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

if (process.argv[2] === 'run') console.log(JSON.stringify(await simulate()));
