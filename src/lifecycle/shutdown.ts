import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { contextOf, entryOf, logText, optionError, settleWithin } from '../core/index.js';
import { handleOf, stopListening } from './listening.js';
import { type ShutdownOptions, shutdownSettings } from './options.js';

/** What is known of one socket: requests in flight, requests answered, the newest response, the one marked last. */
interface SocketState {
  inFlight: number;
  served: number;
  latest: ServerResponse | undefined;
  closing: ServerResponse | undefined;
}

/** A socket's state before its first request. */
const noRequests = (): SocketState => ({ inFlight: 0, served: 0, latest: undefined, closing: undefined });

// The servers gracefulShutdown() was set up on: a second call would be a second drain.
const drained = new WeakSet<Server>();

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
  readonly phases: {
    readonly beforeShutdown: number;
    readonly delay: number;
    readonly drain: number;
    readonly onShutdown: number;
  };
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
  if (
    typeof (server as Partial<Server> | null)?.close !== 'function' ||
    typeof server.closeIdleConnections !== 'function'
  ) {
    throw optionError('gracefulShutdown()', 'server', 'the http.Server the app listens on', server);
  }
  const settings = shutdownSettings(options);
  if (drained.has(server)) {
    throw new Error('gracefulShutdown(): already set up for this server; call it once, and use the handle it returned');
  }
  drained.add(server);
  // Per socket: requests in flight, requests answered, the newest response.
  const sockets = new Map<Socket, SocketState>();
  let state: ShutdownState = 'running';
  let started: Promise<ShutdownReport> | undefined;
  let servedAfter = 0;

  // Counts requests per socket, so idle keep-alive sockets can be told from busy and from fresh ones.
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const { socket } = request;
    // A socket connected before gracefulShutdown() was called has no counts yet.
    const counts = entryOf(sockets, socket, noRequests);
    counts.inFlight++;
    counts.latest = response;
    if (state !== 'running') lastOnSocket(socket, counts);
    response.once('close', () => {
      counts.inFlight--;
      counts.served++;
      if (counts.latest === response) counts.latest = undefined;
      if (state === 'running') return;
      servedAfter++;
      // Its last answer is out: a socket kept alive from before the signal is closed now, not at keepAliveTimeout.
      if (counts.inFlight === 0 && !socket.destroyed) socket.end();
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
    // Requests in flight at the signal: their answers carry `Connection: close` too.
    for (const [socket, counts] of sockets) if (counts.inFlight > 0) lastOnSocket(socket, counts);
    for (const bus of settings.buses) contextOf(bus).startDrain();
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
      // A connection that has sent nothing yet (a preconnect, a scanner) gets a moment to send its request
      // (the parked ones were just let read), then is closed: it must not hold the exit until drainTimeout.
      void sleep(Math.min(FRESH_GRACE_MS, settings.drainTimeout), undefined, { ref: false }).then(() => {
        for (const [socket, { inFlight, served }] of sockets) {
          if (inFlight === 0 && served === 0 && socket.bytesRead === 0) socket.end();
        }
      });
      const timer = sleep(settings.drainTimeout, 'timeout', { ref: false });
      if ((await Promise.race([closed.then(() => 'closed'), timer])) === 'timeout') {
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
 * Makes the newest request on a socket its last, once draining: its answer carries `Connection: close`, and
 * nothing more is read from the socket. A pipelined request already read is answered before it (the close
 * moves from an earlier answer not yet written to the newest), so every request the app handles is answered.
 */
function lastOnSocket(socket: Socket, counts: SocketState): void {
  const { latest, closing } = counts;
  // Node ends the socket after an answer with `Connection: close`, dropping the answers queued behind it.
  if (closing !== undefined && closing !== latest && !closing.headersSent) closing.removeHeader('Connection');
  if (latest !== undefined && !latest.headersSent) {
    latest.setHeader('Connection', 'close');
    counts.closing = latest;
  }
  handleOf(socket)?.readStop();
}

// How long a connection that has sent nothing may still send its first request once the port has closed.
const FRESH_GRACE_MS = 500;

function describe({
  signal,
  requestsServed,
  socketsClosedIdle,
  socketsDestroyed,
  phases,
  failed,
}: ShutdownReport): string {
  return (
    `koa-health: shut down after ${signal ?? 'shutdown()'}${failed ? ' (a hook failed)' : ''}: ` +
    `${requestsServed} requests served after the signal, ${socketsClosedIdle} idle sockets closed, ` +
    `${socketsDestroyed} sockets destroyed; beforeShutdown ${phases.beforeShutdown} ms, delay ${phases.delay} ms, ` +
    `drain ${phases.drain} ms, onShutdown ${phases.onShutdown} ms`
  );
}
