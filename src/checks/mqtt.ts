import { randomUUID } from 'node:crypto';
import { type CheckFunction, knownOptions, messageOf, outcome } from '../core/index.js';
import { argumentError, probeOnce } from './probe.js';

/** What `mqttCheck()` uses of an MQTT.js (v5) client. */
export interface MqttClient {
  readonly connected: boolean;
  readonly reconnecting: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'reconnect' | 'connect', listener: () => void): unknown;
  on(event: 'message', listener: (topic: string, payload: Buffer) => void): unknown;
  subscribeAsync(topic: string, options: { qos: 1 }): Promise<unknown>;
  publishAsync(topic: string, message: string, options: { qos: 1 }): Promise<unknown>;
}

/** Options of `mqttCheck()`. */
export interface MqttCheckOptions {
  /**
   * Also publish a message (QoS 1) to a topic of the check's own that it subscribes to, and wait for it.
   * @default false
   */
  roundTrip?: boolean;
}

/** What the check keeps of a client: its last error, its reconnections, and its private topic. */
interface Watched {
  lastError: string | undefined;
  reconnects: number;
  readonly topic: string;
  subscribed: Promise<unknown> | undefined;
  readonly waiting: Map<string, () => void>;
}

// How long a published message may take to come back once the broker has it.
const ECHO_MS = 10_000;

// By client: listeners are added once, however many checks or runs use it.
const watched = new WeakMap<MqttClient, Watched>();

function watch(client: MqttClient): Watched {
  let state = watched.get(client);
  if (state !== undefined) return state;
  const made: Watched = {
    lastError: undefined,
    reconnects: 0,
    topic: `koa-health/${randomUUID()}`,
    subscribed: undefined,
    waiting: new Map(),
  };
  state = made;
  watched.set(client, made);
  client.on('error', (error) => (made.lastError = messageOf(error)));
  client.on('reconnect', () => made.reconnects++);
  client.on('connect', () => {
    made.reconnects = 0;
    made.lastError = undefined;
  });
  client.on('message', (topic, payload) => {
    if (topic === made.topic) made.waiting.get(payload.toString())?.();
  });
  return made;
}

/**
 * Checks MQTT through the app's own MQTT.js client: `ERROR` at once while it is not connected (with its
 * reconnection attempts and its last error); with `roundTrip`, a QoS 1 message to a topic of the check's
 * own (`koa-health/<uuid>`, subscribed once) must come back within the deadline.
 * @throws {TypeError} when `client` is not one, or for a wrong option
 */
export function mqttCheck(client: MqttClient, options: MqttCheckOptions = {}): CheckFunction {
  const candidate = client as Partial<MqttClient> | null;
  if (
    typeof candidate?.connected !== 'boolean' ||
    typeof candidate.on !== 'function' ||
    typeof candidate.publishAsync !== 'function' ||
    typeof candidate.subscribeAsync !== 'function'
  )
    throw argumentError('mqttCheck()', 'client', 'an MQTT.js (v5) client', client);
  knownOptions(options, ['roundTrip'], 'mqttCheck()');
  const { roundTrip = false } = options;
  if (typeof roundTrip !== 'boolean') throw argumentError('mqttCheck()', 'roundTrip', 'true or false', roundTrip);
  const state = watch(client);
  return async (signal) => {
    if (!client.connected) {
      const how = client.reconnecting || state.reconnects > 0 ? ` (reconnecting, attempt ${state.reconnects})` : '';
      throw new Error(`mqtt not connected${how}${state.lastError ? `: ${state.lastError}` : ''}`);
    }
    if (!roundTrip) return 'mqtt connected';
    const started = performance.now();
    await probeOnce(client, signal, async () => {
      state.subscribed ??= client.subscribeAsync(state.topic, { qos: 1 }).catch((error: unknown) => {
        state.subscribed = undefined;
        throw error;
      });
      await state.subscribed;
      const nonce = randomUUID();
      // One probe at a time, as every check: a later run waits for this one (or fails at once past its own
      // deadline) rather than publishing again. The echo is given up 10 s after the broker took the message.
      let timer: NodeJS.Timeout | undefined;
      try {
        const back = new Promise<void>((resolve) => state.waiting.set(nonce, resolve));
        await client.publishAsync(state.topic, nonce, { qos: 1 });
        await Promise.race([
          back,
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
              () => reject(new Error('mqtt message published but not received back within 10 s')),
              ECHO_MS,
            );
            timer.unref();
          }),
        ]);
      } finally {
        clearTimeout(timer);
        state.waiting.delete(nonce);
      }
    });
    const ms = performance.now() - started;
    return outcome('OK', `mqtt round trip ${ms.toFixed(1)} ms`, {
      observedValue: Number(ms.toFixed(2)),
      observedUnit: 'ms',
    });
  };
}
