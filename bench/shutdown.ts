// Shutdown under load: autocannon with keep-alive against an app with gracefulShutdown(), SIGTERM in the middle.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import type { LoadCounts } from './load-child.js';

/** What a drain under load came to. */
export interface ShutdownFigures {
  readonly completed: number;
  /** Requests that failed other than by a refused connection after the port closed: dropped. */
  readonly dropped: number;
  /** The dropped, by error code. */
  readonly droppedBy: Readonly<Record<string, number>>;
  readonly refusedAfterClose: number;
  readonly signalToExitMs: number;
  readonly shutdownDelay: number;
  readonly slowestMs: number;
  readonly report: string;
}

const SLOW_MS = 20;

/** One run: `connections` keep-alive clients for `seconds`, SIGTERM at `signalAt` seconds. */
export async function measureShutdown(
  connections = 50,
  seconds = 4,
  signalAt = 1.5,
  shutdownDelay = 1000,
): Promise<ShutdownFigures> {
  const child = fork(fileURLToPath(new URL('./shutdown-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SHUTDOWN_DELAY: String(shutdownDelay) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const lines: string[] = [];
  const port = await new Promise<number>((resolve) =>
    child.on('message', (message: { port?: number; line?: string }) => {
      if (message.port) resolve(message.port);
      if (message.line) lines.push(message.line);
    }),
  );
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
  // The load runs in a process of its own: this one stays idle, so it sees the exit when it happens.
  const load = new Child('./load-child.ts', 'shutdown');
  try {
    await load.ask({ type: 'run', url: `http://127.0.0.1:${port}/`, connections, seconds });
    await new Promise((resolve) => setTimeout(resolve, signalAt * 1000));
    const signalled = performance.now();
    child.kill('SIGTERM');
    const exitAt = await exited;
    const { completed, errors } = await load.ask<LoadCounts>({ type: 'stop' });
    const refused = errors.ECONNREFUSED ?? 0;
    const droppedBy = Object.fromEntries(Object.entries(errors).filter(([code]) => code !== 'ECONNREFUSED'));
    const dropped = Object.values(droppedBy).reduce((sum, count) => sum + count, 0);
    return {
      completed,
      dropped,
      droppedBy,
      refusedAfterClose: refused,
      signalToExitMs: Math.round(exitAt - signalled),
      shutdownDelay,
      slowestMs: SLOW_MS,
      report: lines.at(-1) ?? '',
    };
  } finally {
    load.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureShutdown());
