/**
 * `koa-health/notify`: tells people when the health of the service changes, by webhook or Slack, without
 * spam. It listens on the bus and runs nothing: each run's results are compared with what the last message
 * told; changes inside `minInterval` are folded into the next message; a flapping check is one message when
 * it starts and one when it stops; reminders while something still fails; silence in maintenance or while
 * draining. Sending never slows a run: messages are queued and sent in the background.
 * @module
 */
import {
  contextOf,
  type HealthBus,
  healthBus,
  holdsTimer,
  knownOptions,
  type Logger,
  logText,
  messageOf,
  NOT_SHOWN,
  optionError,
  type RunResult,
  TIMER_MS,
  validBus,
  validHeaderSet,
  validLogger,
  validTimeout,
} from '../core/index.js';
import { Receiver } from './delivery.js';
import { slackBody, webhookBody } from './messages.js';
import { type MuteReason, Watch, type WatchSettings } from './watch.js';

export type { CheckState, Message, NotifyEvent } from './messages.js';
export type { MuteReason } from './watch.js';

/** A webhook: its URL, and headers sent with every message (an `Authorization`, say). Both are secrets. */
export interface WebhookTarget {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of `notify()`. */
export interface NotifyOptions {
  /**
   * The bus whose runs are watched.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Gets each message as JSON (`{ status, before, checks, service, at, … }`, see the README): a URL or
   * `{ url, headers }`. A secret: never logged or shown.
   * @default undefined (give `webhook`, `slack` or both)
   */
  webhook?: string | WebhookTarget | undefined;
  /**
   * A Slack incoming-webhook URL: gets each message as readable text. A secret (it holds the token).
   * @default undefined
   */
  slack?: string | undefined;
  /**
   * At most one message per this many ms; changes inside it are folded into the next one. `0` sends each at once.
   * @default 60000
   */
  minInterval?: number;
  /**
   * While something fails, a reminder every this many ms; `false` for none.
   * @default false
   */
  remindEvery?: number | false;
  /**
   * Consecutive runs a check must not be OK before a message names it.
   * @default 1
   */
  failuresBeforeAlert?: number;
  /**
   * When no message is sent: one says that muting began, and one when it ends says what changed meanwhile.
   * @default ['MAINTENANCE', 'DRAINING']
   */
  muteWhen?: readonly MuteReason[];
  /**
   * Flap detection for checks without a flapping rule of their own: `changes` within `window` ms make one
   * "started flapping" message instead of one per change; `false` turns it off.
   * @default { changes: 4, window: 600000 }
   */
  flapping?: { changes?: number; window?: number } | false;
  /**
   * Where a receiver's outage is logged (once when it begins, once when it ends); `false` silences it.
   * @default console
   */
  logger?: Logger | false;
  /**
   * Whether the logger takes `(fields, message)`, as pino does.
   * @default detected (pino, bunyan)
   */
  structuredLogs?: boolean;
  /**
   * Messages each receiver holds while it is slow or down; when full, the oldest are dropped and the next message says how many.
   * @default 100
   */
  queueSize?: number;
  /**
   * The deadline of one send, in ms.
   * @default 5000
   */
  timeout?: number;
  /**
   * The wait before the second try of a send, in ms; doubled before the third (three tries in all).
   * @default 1000
   */
  retryDelay?: number;
  /**
   * `close()` resolves within this many ms, whatever the receivers do.
   * @default 5000
   */
  closeTimeout?: number;
}

/** What `notify()` returns. */
export interface Notifier {
  /**
   * Stops listening, sends what is still to be told (`minInterval` no longer waits), and resolves once the
   * queues are sent or after `closeTimeout` ms; never rejects. For `gracefulShutdown`'s `onShutdown`.
   */
  close(): Promise<void>;
}

const OPTIONS = [
  'bus',
  'webhook',
  'slack',
  'minInterval',
  'remindEvery',
  'failuresBeforeAlert',
  'muteWhen',
  'flapping',
  'logger',
  'structuredLogs',
  'queueSize',
  'timeout',
  'retryDelay',
  'closeTimeout',
] as const;

const MUTE_REASONS: readonly MuteReason[] = ['MAINTENANCE', 'DRAINING', 'REFUSING'];
const WHERE = 'notify()';

/**
 * Sends a message by webhook, Slack or both when the overall status or a check's status changes on `bus`.
 * @throws {TypeError} for a wrong or unknown option; a URL is never shown in it
 */
export function notify(options: NotifyOptions): Notifier {
  knownOptions(options, OPTIONS, WHERE);
  const {
    bus = healthBus,
    webhook,
    slack,
    minInterval = 60_000,
    remindEvery = false,
    failuresBeforeAlert = 1,
    muteWhen = ['MAINTENANCE', 'DRAINING'],
    flapping = {},
    logger = console,
    structuredLogs,
    queueSize = 100,
    timeout = 5000,
    retryDelay = 1000,
    closeTimeout = 5000,
  } = options;
  validBus(bus, WHERE);
  const log = validLogger(logger, WHERE, 'logger', structuredLogs);
  // A receiver's URL is a secret: present but undefined (an unset variable) must not mean "send nothing".
  for (const option of ['webhook', 'slack'] as const) {
    if (Object.hasOwn(options, option) && options[option] === undefined)
      throw optionError(WHERE, option, 'a URL; leave it out to send none (an unset variable?)', undefined);
  }
  if (webhook === undefined && slack === undefined)
    throw optionError(WHERE, 'webhook', 'a URL or { url, headers } (or give `slack`)', undefined);
  // 0 (none), or a delay Node's timers hold.
  const orZero = (value: unknown, option: string): number => {
    if (value === 0 || holdsTimer(value)) return value;
    throw optionError(WHERE, option, `0 or ${TIMER_MS}`, value);
  };
  const whole = (value: unknown, option: string, max: number): number => {
    if (Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= max) return value as number;
    throw optionError(WHERE, option, `a whole number from 1 to ${max}`, value);
  };
  if (!Array.isArray(muteWhen) || !muteWhen.every((reason) => MUTE_REASONS.includes(reason)))
    throw optionError(WHERE, 'muteWhen', `a list of ${MUTE_REASONS.join(', ')}`, muteWhen);
  const settings: WatchSettings = {
    minInterval: orZero(minInterval, 'minInterval'),
    remindEvery: remindEvery === false ? false : validTimeout(remindEvery, WHERE, 'remindEvery'),
    failuresBeforeAlert: whole(failuresBeforeAlert, 'failuresBeforeAlert', 1000),
    muteWhen: new Set(muteWhen),
    flapping: validOwnFlapping(flapping),
  };
  const context = contextOf(bus);
  const receiving = {
    service: () => context.service ?? {},
    queueSize: whole(queueSize, 'queueSize', 10_000),
    timeout: validTimeout(timeout, WHERE, 'timeout'),
    tries: 3,
    retryDelay: orZero(retryDelay, 'retryDelay'),
    logger: log,
  };
  const closeWithin = validTimeout(closeTimeout, WHERE, 'closeTimeout');
  const receivers: Receiver[] = [];
  if (webhook !== undefined) {
    const target = validWebhook(webhook);
    receivers.push(new Receiver({ ...receiving, name: 'webhook', ...target, write: webhookBody }));
  }
  if (slack !== undefined) {
    receivers.push(
      new Receiver({ ...receiving, name: 'slack', url: validUrl(slack, 'slack'), headers: {}, write: slackBody }),
    );
  }
  const watch = new Watch(context, settings, (message) => {
    for (const receiver of receivers) receiver.enqueue(message);
  });
  const onResult = (result: RunResult): void => {
    try {
      watch.take(result);
    } catch (error) {
      // Nothing here may fail a run; a fault of ours is said, once per kind, and the run goes on.
      const why = logText(messageOf(error));
      context.warnOnce(log, `notify:${why}`, `koa-health notify: a result could not be taken in (${why})`);
    }
  };
  bus.on('healthresult', onResult);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        bus.off('healthresult', onResult);
        watch.close();
        const deadline = Date.now() + closeWithin;
        await Promise.all(receivers.map((receiver) => receiver.close(deadline)));
      })();
      return closing;
    },
  };
}

/** `flapping`: `{ changes, window }` with defaults, or `false`. */
function validOwnFlapping(value: unknown): WatchSettings['flapping'] {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(WHERE, 'flapping', '{ changes, window } or false', value);
  knownOptions(value, ['changes', 'window'], `${WHERE} \`flapping\``);
  const { changes = 4, window = 600_000 } = value as { changes?: unknown; window?: unknown };
  if (!Number.isSafeInteger(changes) || (changes as number) < 2)
    throw optionError(WHERE, 'flapping.changes', 'a whole number from 2', changes);
  if (!holdsTimer(window)) throw optionError(WHERE, 'flapping.window', TIMER_MS, window);
  return { changes: changes as number, window };
}

/** An http(s) URL; a wrong one is named, never shown (it may hold a token). */
function validUrl(value: unknown, option: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw optionError(WHERE, option, 'an http:// or https:// URL', typeof value === 'string' ? NOT_SHOWN : value);
  return url.href;
}

/** `webhook`: a URL, or `{ url, headers }` with valid header names and values (never shown either). */
function validWebhook(value: unknown): { url: string; headers: Readonly<Record<string, string>> } {
  if (typeof value === 'string') return { url: validUrl(value, 'webhook'), headers: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(WHERE, 'webhook', 'a URL or { url, headers }', value);
  knownOptions(value, ['url', 'headers'], `${WHERE} \`webhook\``);
  const { url, headers = {} } = value as { url?: unknown; headers?: unknown };
  return { url: validUrl(url, 'webhook.url'), headers: validHeaderSet(headers, WHERE, 'webhook.headers', true) };
}
