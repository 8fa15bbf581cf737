// The apps the benchmarks compare: koa-health (built, from dist/) against the limit and the peers.
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import Koa, { type Middleware } from 'koa';
import { createHealthBus, type HealthBus, type HealthOptions, health } from '../dist/index.js';
import { notify } from '../dist/notify/notify.js';

const require = createRequire(import.meta.url);

/** A disable file that never exists: the maintenance lookup is paid, as in production. */
export const MISSING_DISABLE_FILE = '/tmp/koa-health-bench-no-such-file';

/** How many checks each app actually ran, and how long koa-health's runs took (ms). */
export const runs = { count: 0, durations: [] as number[], recording: false };

/** Every app with checks has this many: runs = checks run / CHECKS_PER_RUN. */
export const CHECKS_PER_RUN = 20;

/** A check that takes `ms` and counts itself. */
const slowCheck = (ms: number) => () => {
  runs.count++;
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
};

/** The one-compare middleware a user would write by hand. */
export const handWritten: Middleware = function handWritten(ctx, next) {
  if (ctx.path !== '/health') return next();
  ctx.body = 'OK';
};

/** The limit the bare endpoint's target allows: the hand-written answer plus the one syscall of the maintenance lookup. */
export const handWrittenStat: Middleware = function handWrittenStat(ctx, next) {
  if (ctx.path !== '/health') return next();
  ctx.body = statSync(MISSING_DISABLE_FILE, { throwIfNoEntry: false }) ? 'MAINTENANCE' : 'OK';
};

/** The application behind the health middleware. */
export const appResponse: Middleware = (ctx) => {
  ctx.body = 'app';
};

/** A bus with `count` checks of `ms` each (async), or synchronous reports when `ms` is 0. */
export function busWithChecks(count: number, ms: number): HealthBus {
  const bus = createHealthBus();
  for (let i = 0; i < count; i++) {
    const name = `check${i}`;
    if (ms === 0) bus.on('healthcheck', (event) => event.report(name, 'OK'));
    else bus.on('healthcheck', (event) => event.check(name, slowCheck(ms)));
  }
  // Only where asked (the HTTP server): a million in-process runs would fill the list and look like a leak.
  bus.on('healthresult', (result) => void (runs.recording && runs.durations.push(result.duration)));
  return bus;
}

/**
 * The 20 checks and one more that says OK and WARN in turn, run after run: every run is a change that
 * `notify()` must tell (WARN still answers 200).
 */
function flippingBus(): HealthBus {
  const bus = busWithChecks(CHECKS_PER_RUN, 20);
  let warn = false;
  bus.on('healthcheck', (event) => {
    warn = !warn;
    event.report('flip', warn ? 'WARN' : 'OK');
  });
  return bus;
}

/** A receiver that is down: nothing listens on port 1 of 127.0.0.1, so every send is refused. */
export const DEAD_RECEIVER = 'http://127.0.0.1:1/hook';

/** koa-health as the benchmarks run it: a disable file to look up, no logging. */
export function koaHealth(options: HealthOptions = {}): Middleware {
  return health({ disableFile: MISSING_DISABLE_FILE, logger: false, ...options });
}

export function koaHealthApp(options: HealthOptions = {}): Koa {
  return new Koa().use(koaHealth(options)).use(appResponse);
}

/** Every app the HTTP benchmark can start, by name. */
export const httpApps: Record<string, () => Server> = {
  'koa OK': () => createServer(new Koa().use((ctx) => void (ctx.body = 'OK')).callback()),
  'hand-written': () => createServer(new Koa().use(handWritten).use(appResponse).callback()),
  'hand-written + one stat': () => createServer(new Koa().use(handWrittenStat).use(appResponse).callback()),
  'koa-health': () => createServer(koaHealthApp().callback()),
  'koa-health checks': () => createServer(koaHealthApp({ bus: busWithChecks(CHECKS_PER_RUN, 20) }).callback()),
  'koa-health checks cached': () =>
    createServer(
      koaHealthApp({ bus: busWithChecks(CHECKS_PER_RUN, 20), cache: { success: 1000, failure: 1000 } }).callback(),
    ),
  'koa-health checks refresh': () =>
    createServer(koaHealthApp({ bus: busWithChecks(CHECKS_PER_RUN, 20), refreshInterval: 1000 }).callback()),
  'koa-health checks flipping': () => createServer(koaHealthApp({ bus: flippingBus() }).callback()),
  // The same, with notify() sending a message for every run (no minInterval, no flap detection) to a dead receiver.
  'koa-health checks flipping + notify, dead receiver': () => {
    const bus = flippingBus();
    notify({ bus, webhook: DEAD_RECEIVER, minInterval: 0, flapping: false, retryDelay: 100, logger: false });
    return createServer(koaHealthApp({ bus }).callback());
  },
  'koa-simple-healthcheck': () => createServer(simpleHealthcheckApp().callback()),
  '@cloudnative/health-connect': () => createServer(healthConnectApp(0).callback()),
  '@cloudnative/health-connect checks': () => createServer(healthConnectApp(CHECKS_PER_RUN).callback()),
  'hand-written shared run': () => createServer(sharedRunApp().callback()),
  '@godaddy/terminus': () => terminusServer(0),
  '@godaddy/terminus checks': () => terminusServer(CHECKS_PER_RUN),
};

type SimpleHealthcheck = (options: { path: string }) => Middleware;

// Not in the checks benchmark: its `test` callback cannot hold the answer for async checks (it answers 404 before they finish).
export function simpleHealthcheck(): Middleware {
  return (require('koa-simple-healthcheck') as SimpleHealthcheck)({ path: '/health' });
}

function simpleHealthcheckApp(): Koa {
  return new Koa().use(simpleHealthcheck()).use(appResponse);
}

// Typed by hand: the package's declarations point at its TypeScript sources, which do not compile here.
interface HealthConnect {
  HealthChecker: new () => { registerReadinessCheck(check: object): void };
  ReadinessCheck: new (name: string, check: () => Promise<void>) => object;
  HealthEndpoint(checker: object): (req: unknown, res: unknown, next: () => void) => void;
}

/** health-connect is Connect middleware: the adapter hands it Node's req/res and takes Koa out of the way. */
function healthConnectApp(checks: number): Koa {
  const connect = require('@cloudnative/health-connect') as HealthConnect;
  const checker = new connect.HealthChecker();
  for (let i = 0; i < checks; i++)
    checker.registerReadinessCheck(new connect.ReadinessCheck(`check${i}`, slowCheck(20)));
  const endpoint = connect.HealthEndpoint(checker);
  const adapter: Middleware = (ctx, next) => {
    if (ctx.path !== '/health') return next();
    ctx.respond = false;
    return new Promise<void>((resolve) => {
      ctx.res.once('finish', resolve);
      endpoint(ctx.req, ctx.res, () => resolve());
    });
  };
  return new Koa().use(adapter).use(appResponse);
}

/** terminus wraps the Node server and answers health requests before Koa sees them. */
function terminusServer(checks: number): Server {
  const { createTerminus } = require('@godaddy/terminus') as typeof import('@godaddy/terminus');
  const server = createServer(new Koa().use(appResponse).callback());
  createTerminus(server, {
    healthChecks: { '/health': () => Promise.all(Array.from({ length: checks }, slowCheck(20))) },
    logger: () => {},
  });
  return server;
}

/** The least a shared run costs through Koa: one run of the checks at a time, and every request waiting on it answered `OK` when it ends. */
function sharedRunApp(): Koa {
  let current: Promise<unknown> | undefined;
  const run = () =>
    Promise.all(Array.from({ length: CHECKS_PER_RUN }, slowCheck(20))).finally(() => (current = undefined));
  const sharedRun: Middleware = (ctx, next) => {
    if (ctx.path !== '/health') return next();
    current ??= run();
    return current.then(() => void (ctx.body = 'OK'));
  };
  return new Koa().use(sharedRun).use(appResponse);
}
