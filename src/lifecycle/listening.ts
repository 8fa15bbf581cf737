import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * Closes the listening socket without resetting anyone. The kernel resets the connections still waiting
 * to be accepted when it closes, so first new connections are parked (accepted, not read): their clients
 * wait for an answer instead of connecting again, and once no connection has come for a moment the queue
 * is empty and the port closes. Then the parked ones are served (with `Connection: close`).
 */
export async function stopListening(server: Server, budget: number): Promise<{ closed: Promise<void> }> {
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
export function handleOf(socket: Socket): { readStop(): number; readStart(): number } | undefined {
  const handle = (socket as { _handle?: { readStop?: unknown; readStart?: unknown } })._handle;
  return typeof handle?.readStop === 'function' && typeof handle.readStart === 'function'
    ? (handle as { readStop(): number; readStart(): number })
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
