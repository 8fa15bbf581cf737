import { type CheckFunction, entryOf, knownOptions, messageOf, outcome } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** What `amqpCheck()` uses of an amqplib channel. */
export interface AmqpChannel {
  checkQueue(queue: string): Promise<{ messageCount: number; consumerCount: number }>;
  checkExchange(exchange: string): Promise<unknown>;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What `amqpCheck()` uses of an amqplib connection (its promise API: `await amqp.connect(url)`). */
export interface AmqpConnection {
  createChannel(): Promise<AmqpChannel>;
  on(event: 'close', listener: () => void): unknown;
}

/** Options of `amqpCheck()`. */
export interface AmqpCheckOptions {
  /**
   * A queue to look at with a passive declare: its messages and consumers in the details.
   * @default none (a round trip on the channel)
   */
  queue?: string;
  /**
   * `WARN` when the queue holds more messages than this (a backlog).
   * @default none
   */
  maxMessages?: number;
  /**
   * `WARN` when the queue has fewer consumers than this.
   * @default none
   */
  minConsumers?: number;
}

/** The channel the check keeps on a connection, and whether the connection has closed. */
interface Kept {
  closed: boolean;
  channel: Promise<AmqpChannel> | undefined;
  // One probe in flight per connection and queue: a check of the queue 'jobs' never joins a round trip.
  readonly probes: Map<string, object>;
}

// By connection: one channel of the check's own, made on first use, made again once the broker closed it.
const kept = new WeakMap<AmqpConnection, Kept>();

function keep(connection: AmqpConnection): Kept {
  let state = kept.get(connection);
  if (state === undefined) {
    const made: Kept = { closed: false, channel: undefined, probes: new Map() };
    state = made;
    kept.set(connection, made);
    connection.on('close', () => (made.closed = true));
  }
  return state;
}

function channelOf(connection: AmqpConnection, state: Kept): Promise<AmqpChannel> {
  if (state.channel !== undefined) return state.channel;
  const channel = connection.createChannel().then((made) => {
    // A channel error (a queue not found closes the channel) is the check's answer, never an 'error' the app sees.
    made.on('error', () => undefined);
    made.on('close', () => {
      if (state.channel === channel) state.channel = undefined;
    });
    return made;
  });
  state.channel = channel;
  channel.catch(() => {
    if (state.channel === channel) state.channel = undefined;
  });
  return channel;
}

/**
 * Checks RabbitMQ (or any AMQP 0-9-1 broker) through the app's own amqplib connection, on one channel the
 * check keeps (made again if the broker closed it; the app's connection is never closed). With `queue`, a
 * passive declare reports its messages and consumers, `WARN` past `maxMessages` or below `minConsumers`, and
 * `ERROR "queue jobs not found"` when it does not exist; without, a round trip on the channel.
 * @throws {TypeError} when `connection` is not one, or for a wrong option
 */
export function amqpCheck(connection: AmqpConnection, options: AmqpCheckOptions = {}): CheckFunction {
  const where = 'amqpCheck()';
  const candidate = connection as Partial<AmqpConnection> | null;
  if (typeof candidate?.createChannel !== 'function' || typeof candidate.on !== 'function')
    throw argumentError(where, 'connection', 'an amqplib connection (its promise API)', connection);
  knownOptions(options, ['queue', 'maxMessages', 'minConsumers'], where);
  const { queue, maxMessages, minConsumers } = options;
  if (queue !== undefined && (typeof queue !== 'string' || queue === ''))
    throw argumentError(where, 'queue', 'a queue name', queue);
  for (const [name, value] of Object.entries({ maxMessages, minConsumers })) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
      throw argumentError(where, name, 'a whole number, 0 or more', value);
    if (value !== undefined && queue === undefined) throw argumentError(where, name, 'given with `queue`', value);
  }
  const state = keep(connection);
  const probe = entryOf(state.probes, queue === undefined ? '' : `queue ${queue}`, () => ({}));
  return async (signal) => {
    if (state.closed) throw new Error('amqp connection closed');
    const started = performance.now();
    const counts = await probeOnce(probe, signal, async () => {
      const channel = await channelOf(connection, state);
      if (queue === undefined) return void (await channel.checkExchange('amq.direct'));
      try {
        return await channel.checkQueue(queue);
      } catch (error) {
        const { code } = error as { code?: unknown };
        throw new Error(code === 404 ? `queue ${queue} not found` : messageOf(error));
      }
    });
    const ms = Math.round(performance.now() - started);
    if (counts === undefined) return `amqp channel open, round trip ${ms} ms`;
    const { messageCount, consumerCount } = counts;
    const details = { messageCount, consumerCount, observedValue: messageCount, observedUnit: 'messages' };
    const summary = `queue ${queue}: ${messageCount} messages, ${consumerCount} consumers`;
    if (maxMessages !== undefined && messageCount > maxMessages)
      return outcome('WARN', `${summary}: more than ${maxMessages} messages`, details);
    if (minConsumers !== undefined && consumerCount < minConsumers)
      return outcome('WARN', `${summary}: fewer than ${minConsumers} consumers`, details);
    return outcome('OK', summary, details);
  };
}
