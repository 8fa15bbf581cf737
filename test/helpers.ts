import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as FakeTimers from '@sinonjs/fake-timers';
import Koa, { type Context } from 'koa';
import {
  type CheckFunction,
  createHealthBus,
  type HealthBus,
  type HealthOptions,
  health,
  type Logger,
  registerCheck,
  runHealthChecks,
} from '../src/index.js';

/** A logger that keeps what it was told. */
export interface RecordingLogger extends Logger {
  readonly lines: Array<[level: 'info' | 'warn' | 'error', message: string]>;
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (message) => void lines.push(['info', message]),
    warn: (message) => void lines.push(['warn', message]),
    error: (message) => void lines.push(['error', message]),
  };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'koa-health-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestApp {
  app: Koa;
  bus: HealthBus;
  logger: RecordingLogger;
  middleware: ReturnType<typeof health>;
}

/** A Koa app with `health()` on a bus of its own, a recording logger, and no disable file unless given. */
export function makeApp(options: HealthOptions = {}): TestApp {
  const bus = options.bus ?? createHealthBus();
  const logger = recordingLogger();
  const middleware = health({ disableFile: false, logger, ...options, bus });
  const app = new Koa();
  app.use(middleware);
  app.use((ctx) => {
    ctx.body = 'downstream';
  });
  return { app, bus, logger, middleware };
}

/**
 * Fake `setTimeout`, `clearTimeout` and `Date`, for tests about expiry and order rather than real time:
 * `await clock.tickAsync(ms)` moves time on at once. I/O and `setImmediate` stay real. Uninstall it in `finally`.
 */
export function fakeClock(): ReturnType<typeof FakeTimers.install> {
  return FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
}

/** Resolves once `condition()` holds, checking on every turn of the (real) event loop; for use with `fakeClock()`. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether Koa has parsed the request's URL yet: parseurl, behind `ctx.path`, caches its result on the request. */
export function urlParsed(ctx: Context): boolean {
  return (ctx.req as { _parsedUrl?: unknown })._parsedUrl !== undefined;
}

/** Runs one check function in a run of its own on a bus of its own: its result, and how long the run took. */
export async function runCheck(fn: CheckFunction, timeout: number) {
  const bus = createHealthBus();
  registerCheck('check', fn, { bus });
  const started = performance.now();
  const { checks } = await runHealthChecks({ bus, timeout, logger: false });
  return { ...checks[0]!, elapsed: performance.now() - started };
}

/**
 * For a `before` hook: a program the tests need (`/usr/bin/promtool`). When it is missing the suite is
 * skipped with one line saying how to install it; under `CI=true` (CI installs it) that fails instead.
 */
export function requireProgram(context: Mocha.Context, path: string, install: string): void {
  if (existsSync(path)) return;
  const line = `${path} is missing; install it with: ${install}`;
  if (process.env.CI === 'true') throw new Error(`${line} (CI=true: the tests that need it fail)`);
  console.log(`    skipped: ${line}`);
  context.skip();
}
