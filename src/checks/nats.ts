import { type CheckFunction, messageOf, outcome } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** What `natsCheck()` uses of a NATS connection (`nats` v2, or `@nats-io/transport-node`). */
export interface NatsConnection {
  isClosed(): boolean;
  isDraining(): boolean;
  /** A round trip to the server, in ms. */
  rtt(): Promise<number>;
  /** The server it is connected to (`127.0.0.1:4222`). */
  getServer?(): string;
}

/**
 * Checks NATS through the app's own connection: `ERROR` once it is closed or draining, else a round trip
 * (`rtt()`) under the deadline, the time in its details. While the client reconnects, nats refuses the
 * round trip at once (`DISCONNECT`); a server that never answers fails at the deadline, one probe in flight.
 * @throws {TypeError} when `connection` is not one
 */
export function natsCheck(connection: NatsConnection): CheckFunction {
  const candidate = connection as Partial<NatsConnection> | null;
  if (
    typeof candidate?.isClosed !== 'function' ||
    typeof candidate.isDraining !== 'function' ||
    typeof candidate.rtt !== 'function'
  )
    throw argumentError('natsCheck()', 'connection', 'a NATS connection (nats or @nats-io/transport-node)', connection);
  return async (signal) => {
    if (connection.isClosed()) throw new Error('nats connection closed');
    if (connection.isDraining()) throw new Error('nats connection draining');
    const ms = await probeOnce(connection, signal, () =>
      connection.rtt().catch((error: unknown) => {
        // nats says `DISCONNECT` while it reconnects: the round trip did not happen.
        throw new Error(`nats round trip failed: ${messageOf(error)}`);
      }),
    );
    const server = connection.getServer?.();
    return outcome('OK', `nats round trip ${ms.toFixed(1)} ms${server ? ` to ${server}` : ''}`, {
      observedValue: Number(ms.toFixed(2)),
      observedUnit: 'ms',
      ...(server ? { server } : {}),
    });
  };
}
