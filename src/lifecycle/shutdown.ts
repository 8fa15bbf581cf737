import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { entryOf, lifecycleOf, logText, settleWithin } from '../core/index.js';
import { shutdownSettings, type ShutdownOptions } from './options.js';

/** A socket's counts before its first request. */
const noRequests = (): { inFlight: number; served: number } => ({ inFlight: 0, served: 0 });

/** Where a shutdown is: serving, draining (signalled, until the process may exit), or closed. */
export type ShutdownState = 'running' | 'draining' | 'closed';

/** What a shutdown did: figures for its one log line. */
export interface ShutdownReport {
  /** The signal that started it; `undefined` when started by `shutdown()`. */
  readonly signal: NodeJS.Signals | undefined;
  /** Requests answered after it started. */
  readonly requestsServed: number;
  /** Keep-alive sockets closed while idle. */
  readonly socketsClosedIdle: number;
  /** Sockets still busy at `drainTimeout`, destroyed. */
  readonly socketsDestroyed: number;
  /** Ms per phase. */
  readonly phases: { readonly beforeShutdown: number; readonly delay: number; readonly drain: number; readonly onShutdown: number };
  /** Whether a hook failed or timed out. */
  readonly failed: boolean;
}

/** The handle `gracefulShutdown()` returns. */
export interface ShutdownHandle {
  /** Starts the same sequence as a signal; resolves with its report (the same promise on every call). */
  shutdown(): Promise<ShutdownReport>;
  /** Where the shutdown is. */
  readonly state: ShutdownState;
}

/**
 * Makes the process drain cleanly on `signals`: readiness answers 503 at once (liveness stands) →
 * `beforeShutdown` → `shutdownDelay` (requests still served, with `Connection: close`) → `server.close()`
 * and idle keep-alive sockets closed → requests in flight get up to `drainTimeout` → the rest are destroyed →
 * `onShutdown` → one log line → exit as the signal would have. A second signal exits at once.
 * @throws {TypeError} for a wrong option, or phases that overrun `gracePeriod`
 */
export function gracefulShutdown(server: Server, options: ShutdownOptions = {}): ShutdownHandle {
  if (typeof (server as Partial<Server> | null)?.close !== 'function' || typeof server.closeIdleConnections !== 'function') {
    throw new TypeError('gracefulShutdown(): "server" must be the http.Server the app listens on');
  }
  const settings = shutdownSettings(options);
  // Per socket: requests in flight, and requests answered.
  const sockets = new Map<Socket, { inFlight: number; served: number }>();
  let state: ShutdownState = 'running';
  let started: Promise<ShutdownReport> | undefined;
  let servedAfter = 0;

  // Counts requests per socket, so idle keep-alive sockets can be told from busy and from fresh ones.
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    // A socket connected before gracefulShutdown() was called has no counts yet.
    const counts = entryOf(sockets, request.socket, noRequests);
    counts.inFlight++;
    if (state !== 'running') response.setHeader('Connection', 'close');
    response.once('close', () => {
      counts.inFlight--;
      counts.served++;
      if (state !== 'running') servedAfter++;
    });
  };
  const onConnection = (socket: Socket): void => {
    sockets.set(socket, noRequests());
    socket.once('close', () => sockets.delete(socket));
  };
  // First, so that `Connection: close` is set before the app answers.
  server.prependListener('request', onRequest);
  server.on('connection', onConnection);

  const onSignal = (signal: NodeJS.Signals): void => {
    if (started !== undefined) {
      settings.logger.warn(`koa-health: ${signal} again during shutdown: exiting now`);
      return exitNow(signal, false);
    }
    void run(signal);
  };
  for (const signal of settings.signals) process.on(signal, onSignal);

  function run(signal: NodeJS.Signals | undefined): Promise<ShutdownReport> {
    started ??= drain(signal).then((report) => {
      state = 'closed';
      settings.logger.info(describe(report));
      if (settings.exit) exitNow(signal, report.failed);
      else for (const name of settings.signals) process.off(name, onSignal);
      return report;
    });
    return started;
  }

  async function drain(signal: NodeJS.Signals | undefined): Promise<ShutdownReport> {
    state = 'draining';
    for (const bus of settings.buses) lifecycleOf(bus).drainingSince = Date.now();
    settings.logger.info(`koa-health: ${signal ?? 'shutdown()'}: draining (readiness 503, liveness 200)`);
    const phases = { beforeShutdown: 0, delay: 0, drain: 0, onShutdown: 0 };
    let failed = false;
    const timed = async (phase: keyof typeof phases, work: () => Promise<unknown>): Promise<void> => {
      const from = performance.now();
      await work();
      phases[phase] = Math.round(performance.now() - from);
    };
    const hook = (name: 'beforeShutdown' | 'onShutdown') => async (): Promise<void> => {
      const fn = settings[name];
      if (fn === undefined) return;
      const settled = await settleWithin(() => fn(), settings.hookTimeout);
      if (!settled.ok) {
        failed = true;
        settings.logger.error(`koa-health: ${name} failed, skipped: ${logText(settled.message)}`);
      }
    };
    await timed('beforeShutdown', hook('beforeShutdown'));
    await timed('delay', () => sleep(settings.shutdownDelay));
    let socketsClosedIdle = 0;
    let socketsDestroyed = 0;
    await timed('drain', async () => {
      // Stop accepting, but not as http's close() does: it also destroys connections that have not sent their
      // first request yet, resetting requests already on the wire. Those get `Connection: close` instead.
      const { closed } = await stopListening(server, settings.drainTimeout);
      for (const [socket, { inFlight, served }] of sockets) {
        if (inFlight > 0 || served === 0) continue;
        socketsClosedIdle++;
        // end(), not destroy(): whatever the last answer still has in the buffers goes out first.
        socket.end();
      }
      const timer = sleep(settings.drainTimeout, 'timeout', { ref: false });
      if (await Promise.race([closed.then(() => 'closed'), timer]) === 'timeout') {
        socketsDestroyed = sockets.size;
        for (const socket of sockets.keys()) socket.destroy();
      }
    });
    await timed('onShutdown', hook('onShutdown'));
    return { signal, requestsServed: servedAfter, socketsClosedIdle, socketsDestroyed, phases, failed };
  }

  /** Exits as the signal would have by default: re-raised, once our listeners are gone; else 0, or 1 after a failure. */
  function exitNow(signal: NodeJS.Signals | undefined, failed: boolean): void {
    for (const name of settings.signals) process.off(name, onSignal);
    if (signal === undefined || failed || process.listenerCount(signal) > 0) return process.exit(failed ? 1 : 0);
    process.kill(process.pid, signal);
  }

  return {
    shutdown: () => run(undefined),
    get state() {
      return state;
    },
  };
}

/**
 * Closes the listening socket without resetting anyone. The kernel resets the connections still waiting
 * to be accepted when it closes, so first new connections are parked (accepted, not read): their clients
 * wait for an answer instead of connecting again, and once no connection has come for a moment the queue
 * is empty and the port closes. Then the parked ones are served (with `Connection: close`).
 */
async function stopListening(server: Server, budget: number): Promise<{ closed: Promise<void> }> {
  const parked: Socket[] = [];
  // http's parser reads straight from the socket's handle, past the stream: pause() would not stop it.
  const park = (socket: Socket): void => {
    handleOf(socket)?.readStop();
    parked.push(socket);
  };
  server.on('connection', park);
  await quiet(server, QUIET_MS, Math.min(MAX_QUIET_MS, budget / 2));
  server.off('connection', park);
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  for (const socket of parked) if (!socket.destroyed) handleOf(socket)?.readStart();
  return { closed };
}

/** The libuv stream under a socket, which reads whether or not the JavaScript stream is paused. */
function handleOf(socket: Socket): { readStop(): number; readStart(): number } | undefined {
  const handle = (socket as { _handle?: { readStop?: unknown; readStart?: unknown } })._handle;
  return typeof handle?.readStop === 'function' && typeof handle.readStart === 'function'
    ? handle as { readStop(): number; readStart(): number }
    : undefined;
}

// No new connection for this long: every client is waiting on one already accepted.
const QUIET_MS = 20;
const MAX_QUIET_MS = 500;

/** Resolves once no connection has come for `ms`, or after `max` ms whatever comes. */
function quiet(server: Server, ms: number, max: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, ms);
    const bound = setTimeout(done, max);
    const restart = (): void => {
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    };
    server.on('connection', restart);
    function done(): void {
      clearTimeout(timer);
      clearTimeout(bound);
      server.off('connection', restart);
      resolve();
    }
  });
}

function describe({ signal, requestsServed, socketsClosedIdle, socketsDestroyed, phases, failed }: ShutdownReport): string {
  return `koa-health: shut down after ${signal ?? 'shutdown()'}${failed ? ' (a hook failed)' : ''}: ` +
    `${requestsServed} requests served after the signal, ${socketsClosedIdle} idle sockets closed, ` +
    `${socketsDestroyed} sockets destroyed; beforeShutdown ${phases.beforeShutdown} ms, delay ${phases.delay} ms, ` +
    `drain ${phases.drain} ms, onShutdown ${phases.onShutdown} ms`;
}

