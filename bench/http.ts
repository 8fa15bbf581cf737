// Over HTTP: autocannon against apps in processes of their own on 127.0.0.1, rounds interleaved, medians.
import autocannon from 'autocannon';
import { CHECKS_PER_RUN } from './apps.js';
import { Child } from './child.js';
import { median } from './stats.js';

export interface HttpFigures {
  /** Requests per second (median of the rounds). */
  rps: number;
  /** Requests per second of each round, in the order of the rounds (same index, same round for every app). */
  rpsByRound: number[];
  /** Median time from a request's arrival to its answer's last byte handed to the kernel (`res.end()` returned), in the server, ms. */
  serverP50: number;
  /** The server p50 of each round, in the order of the rounds. */
  serverP50ByRound: number[];
  /** The same to Node's `'finish'` event, which a burst of answers in one tick delays until the last of them is written, ms. */
  finishP50: number;
  p50: number;
  p99: number;
  /** How many times the app's checks ran during the measured runs (all rounds added up). */
  runs: number;
  /** Median time of one koa-health run of the checks, ms (0 where not known). */
  runMs: number;
  /** Errors, timeouts and non-2xx answers. */
  errors: number;
}

interface Load {
  connections: number;
  seconds: number;
  path: string;
}

async function load(port: number, { connections, seconds, path }: Load): Promise<autocannon.Result> {
  return autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds });
}

/** Runs each app `rounds` times, in A B B A order, and keeps the median of each figure. */
export async function measure(apps: Record<string, Load>, rounds: number): Promise<Record<string, HttpFigures>> {
  const names = Object.keys(apps);
  const children = Object.fromEntries(names.map((name) => [name, new Child('./server-child.ts', appName(name))]));
  try {
    const ports: Record<string, number> = {};
    for (const name of names) ports[name] = (await children[name]!.ready()).port as number;
    const samples: Record<string, autocannon.Result[]> = Object.fromEntries(names.map((name) => [name, []]));
    const runs: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
    const durations: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    const serverP50s: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    const finishP50s: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    type Runs = { checks: number; durations: number[]; p50: number; finishP50: number };
    // Warm-up, not counted: JIT, sockets, and a first background run.
    for (const name of names) await load(ports[name]!, { ...apps[name]!, seconds: 1 });
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        // Counted from here: a background refresh also runs while other apps are measured.
        await children[name]!.ask<Runs>({ type: 'runs' });
        samples[name]!.push(await load(ports[name]!, apps[name]!));
        const counted = await children[name]!.ask<Runs>({ type: 'runs' });
        runs[name]! += counted.checks / CHECKS_PER_RUN;
        durations[name]!.push(...counted.durations);
        serverP50s[name]!.push(counted.p50);
        finishP50s[name]!.push(counted.finishP50);
      }
    }
    return Object.fromEntries(
      names.map((name) => {
        const results = samples[name]!;
        return [
          name,
          {
            rps: median(results.map((result) => result.requests.average)),
            rpsByRound: results.map((result) => result.requests.average),
            serverP50: median(serverP50s[name]!),
            serverP50ByRound: serverP50s[name]!,
            finishP50: median(finishP50s[name]!),
            p50: median(results.map((result) => result.latency.p50)),
            p99: median(results.map((result) => result.latency.p99)),
            runs: runs[name]!,
            runMs: durations[name]!.length ? median(durations[name]!) : 0,
            errors: results.reduce((sum, result) => sum + result.errors + result.timeouts + result.non2xx, 0),
          },
        ];
      }),
    );
  } finally {
    for (const child of Object.values(children)) child.stop();
  }
}

/** `'koa-health#2'` runs the app `'koa-health'` a second time under another name. */
function appName(name: string): string {
  return name.split('#')[0]!;
}
