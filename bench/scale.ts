// A thousand registered checks, mixed pass, warn and fail, run end to end in a process of its own: the time
// per run and per check against a hand-written loop that calls the same functions and collates the same
// results (the least any runner costs), and the heap each registered check keeps.
import { createHealthBus, type HealthBus, outcome, registerCheck, runHealthChecks } from '../dist/index.js';
import { Child } from './child.js';
import { median } from './stats.js';

export interface ScaleFigures {
  checks: number;
  /** µs per run, koa-health and the hand-written loop (medians of the rounds). */
  runUs: number;
  handWrittenRunUs: number;
  /** koa-health's own cost per check per run, µs: (run − hand-written) / checks, round by round, median. */
  ownPerCheckUs: number;
  ownPerCheckByRound: number[];
  /** Heap kept per registered check, after one run, bytes. */
  heapPerCheckBytes: number;
}

type Fn = () => boolean | object;

/** The checks' functions: a third pass, a third warn, a third fail. */
function functions(count: number): Array<[string, Fn]> {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 3;
    const fn: Fn = kind === 0 ? () => true : kind === 1 ? () => outcome('WARN', 'slow') : () => false;
    return [`check-${i}`, fn];
  });
}

/** What a hand-written runner does for the same checks: call each, collate a result each and the overall status. */
function handWritten(checks: ReadonlyArray<[string, Fn]>): { status: string; checks: object[] } {
  const results: Array<{ name: string; status: string; message: string; duration: number }> = [];
  let status = 'OK';
  for (const [name, fn] of checks) {
    const started = performance.now();
    const value = fn();
    const checkStatus =
      value === false
        ? 'ERROR'
        : typeof value === 'object' && value !== null
          ? (value as { status: string }).status
          : 'OK';
    if (checkStatus === 'ERROR') status = 'ERROR';
    else if (checkStatus === 'WARN' && status === 'OK') status = 'WARN';
    results.push({ name, status: checkStatus, message: '', duration: performance.now() - started });
  }
  return { status, checks: results };
}

function busOf(checks: ReadonlyArray<[string, Fn]>): HealthBus {
  const bus = createHealthBus();
  for (const [name, fn] of checks) registerCheck(name, fn, { bus });
  return bus;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function measureHere(count: number, rounds: number, runs: number): Promise<ScaleFigures> {
  const checks = functions(count);
  gc();
  const before = process.memoryUsage().heapUsed;
  const bus = busOf(checks);
  await runHealthChecks({ bus, logger: false });
  gc();
  const heapPerCheckBytes = Math.max(0, (process.memoryUsage().heapUsed - before) / count);
  const koa: number[] = [];
  const hand: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    for (let i = 0; i < runs; i++) await runHealthChecks({ bus, logger: false });
    koa.push(((performance.now() - started) * 1000) / runs);
    started = performance.now();
    for (let i = 0; i < runs; i++) {
      handWritten(checks);
      // The same turn of the event loop a run takes.
      await Promise.resolve();
    }
    hand.push(((performance.now() - started) * 1000) / runs);
  }
  const own = koa.map((us, round) => (us - hand[round]!) / count);
  const two = (value: number): number => Math.round(value * 100) / 100;
  return {
    checks: count,
    runUs: Math.round(median(koa)),
    handWrittenRunUs: Math.round(median(hand)),
    ownPerCheckUs: two(median(own)),
    ownPerCheckByRound: own.map(two),
    heapPerCheckBytes: Math.round(heapPerCheckBytes),
  };
}

/** Runs the measure in a fresh process. */
export async function measureScale(count = 1000, rounds = 7, runs = 40): Promise<ScaleFigures> {
  const child = new Child('./scale.ts', 'measure');
  try {
    return await child.ask<ScaleFigures>({ count, rounds, runs });
  } finally {
    child.stop();
  }
}

if (process.argv[2] === 'measure' && process.send) {
  process.on('message', (message: { count: number; rounds: number; runs: number }) => {
    void measureHere(message.count, message.rounds, message.runs).then((figures) => process.send!(figures));
  });
  process.send({ ready: true });
  process.on('disconnect', () => process.exit(0));
}
