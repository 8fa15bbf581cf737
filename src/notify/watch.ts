/**
 * What `notify()` tells, and when: each run's results compared with what the last message told, a check's
 * failure counted once it held `failuresBeforeAlert` runs, flapping told once when it starts and once when it
 * stops, changes inside `minInterval` folded into the next message, reminders while something fails, and
 * silence while muted (told once when muting starts, and what changed meanwhile when it ends).
 * @module
 */
import {
  type CheckResult,
  type CheckStatus,
  type FlappingRule,
  type HealthContext,
  overallStatus,
  passes,
  type RunResult,
  type RunStatus,
  setBounded,
} from '../core/index.js';
import type { CheckState, Message, NotifyEvent } from './messages.js';

/** What mutes notifications: the disable file (`MAINTENANCE`), a graceful shutdown (`DRAINING`), the app refusing traffic (`REFUSING`). */
export type MuteReason = 'MAINTENANCE' | 'DRAINING' | 'REFUSING';

// A message lists at most this many events; older ones are counted, not kept: a check changing every run inside
// a long `minInterval` must not grow the next message without end.
const MAX_EVENTS = 100;
// At most this many checks are watched, the oldest forgotten first.
const MAX_WATCHED = 100_000;

/** The rules of one `notify()`, checked. */
export interface WatchSettings {
  readonly minInterval: number;
  readonly remindEvery: number | false;
  readonly failuresBeforeAlert: number;
  readonly muteWhen: ReadonlySet<MuteReason>;
  readonly flapping: { readonly changes: number; readonly window: number } | false;
}

/** What the watch keeps of one check. */
interface Watched {
  /** The status as notifications see it: a failure counts once it held `failuresBeforeAlert` runs. */
  status: CheckStatus;
  /** The status the last message told. */
  told: CheckStatus;
  message: string;
  since: number;
  // When the check last started failing, for "down for" on its recovery.
  failingSince: number | undefined;
  notOk: number;
  // The last result taken in: one borrowed by several runs (a scheduled check's, a cached one) is the same object.
  last: CheckResult | undefined;
  changes: number[];
  flapping: boolean;
}

/**
 * Turns the bus's results into messages: what changed per check, debounced and flap-detected, folded within
 * `minInterval`, reminders, and muting. Sends nothing itself: `send` hands a message to the receivers.
 */
export class Watch {
  readonly #context: HealthContext;
  readonly #settings: WatchSettings;
  readonly #send: (message: Message) => void;
  readonly #checks = new Map<string, Watched>();
  // What the next message tells; and, while muted, what the message that ends muting will tell.
  readonly #pending = new Events();
  readonly #meanwhile = new Events();
  #told: RunStatus | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #muted: string | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #reminder: NodeJS.Timeout | undefined;
  readonly #mutePoll: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(context: HealthContext, settings: WatchSettings, send: (message: Message) => void) {
    this.#context = context;
    this.#settings = settings;
    this.#send = send;
    // Maintenance begins and ends without a run: looked at once a second, on a timer that keeps no process alive.
    if (settings.muteWhen.size > 0) this.#mutePoll = setInterval(() => this.#lookAtMuting(), 1000).unref();
  }

  /** Takes in one run's results. */
  take(result: RunResult): void {
    if (this.#closed) return;
    this.#lookAtMuting();
    const at = result.startedAt + result.duration;
    // Which checks have a flapping rule of their own: looked up once per run, not per check.
    const registered = this.#context.registered();
    for (const check of result.checks) this.#takeCheck(check, at, registered.get(check.name)?.rules.flapping);
    // The first run is the baseline: an OK one is no news, but the next message says what it was.
    if (this.#told === undefined && this.#pending.list.length === 0) this.#told = overallStatus(this.#checks.values());
    this.#schedule();
  }

  /** Stops the timers, and sends what is still to be told at once. */
  close(): void {
    if (this.#closed) return;
    clearInterval(this.#mutePoll);
    if (this.#pending.list.length > 0) this.#flush();
    this.#closed = true;
    // After the last message: it would have planned a reminder.
    clearTimeout(this.#reminder);
    clearTimeout(this.#flushTimer);
  }

  #takeCheck(result: CheckResult, at: number, own: FlappingRule | false | undefined): void {
    let watched = this.#checks.get(result.name);
    if (watched === undefined) {
      watched = {
        status: 'OK',
        told: 'OK',
        message: '',
        since: at,
        failingSince: undefined,
        notOk: 0,
        last: undefined,
        changes: [],
        flapping: false,
      };
      // Bounded as the tracker is: a subscriber reporting a new name every run must not grow it without end.
      setBounded(this.#checks, result.name, watched, MAX_WATCHED);
    }
    // A result borrowed by several runs counts once.
    if (result === watched.last) return;
    watched.last = result;
    watched.message = result.message;
    watched.notOk = result.status === 'OK' ? 0 : watched.notOk + 1;
    const held = watched.status === 'OK' && watched.notOk < this.#settings.failuresBeforeAlert;
    const status = result.status !== 'OK' && held ? 'OK' : result.status;
    const changed = status !== watched.status;
    const before = watched.status;
    if (changed) {
      watched.changes.push(at);
      watched.status = status;
      watched.since = at;
      if (!passes(status) && passes(before)) watched.failingSince = at;
    }
    const flapping = result.flapping || this.#ownFlapping(watched, at, own !== undefined && own !== false);
    if (flapping !== watched.flapping) {
      watched.flapping = flapping;
      if (flapping) {
        // What this check's changes were still to tell is said by "started flapping" instead.
        this.#pending.list = this.#pending.list.filter(({ kind, check }) => kind !== 'change' || check !== result.name);
      }
      this.#event({
        kind: flapping ? 'flapping-started' : 'flapping-stopped',
        at,
        check: result.name,
        status,
        message: result.message,
      });
      if (!flapping) watched.changes.length = 0;
    } else if (changed && !flapping) {
      this.#event({ kind: 'change', at, check: result.name, before, status, message: result.message });
    }
  }

  /** Flap detection for a check without a rule of its own: its changes within the window. */
  #ownFlapping(watched: Watched, at: number, hasOwnRule: boolean): boolean {
    const rule = this.#settings.flapping;
    if (rule === false || hasOwnRule) {
      watched.changes.length = 0;
      return false;
    }
    watched.changes = watched.changes.filter((time) => at - time < rule.window);
    if (watched.flapping) return watched.changes.length > 0;
    return watched.changes.length >= rule.changes;
  }

  #event(event: NotifyEvent): void {
    (this.#muted === undefined ? this.#pending : this.#meanwhile).add([event]);
  }

  /** Whether notifications are muted now, and why; a change of it is an event of its own. */
  #lookAtMuting(): void {
    if (this.#closed) return;
    const reason = this.#muteReason();
    if (reason === this.#muted) return;
    const at = Date.now();
    if (reason !== undefined && this.#muted === undefined) {
      this.#pending.add([{ kind: 'muted', at, message: reason }]);
      this.#muted = reason;
    } else if (reason === undefined) {
      const ended = this.#muted;
      this.#muted = undefined;
      const meanwhile = this.#meanwhile.take();
      this.#pending.add([{ kind: 'unmuted', at, message: ended ?? '' }, ...meanwhile.events], meanwhile.omitted);
    } else this.#muted = reason;
    this.#schedule();
  }

  #muteReason(): string | undefined {
    const { muteWhen } = this.#settings;
    const context = this.#context;
    if (muteWhen.has('DRAINING') && context.drainingSince !== undefined) return 'draining';
    if (muteWhen.has('MAINTENANCE') && context.scheduler.inMaintenance()) return 'maintenance';
    if (muteWhen.has('REFUSING') && context.availability.appRefusals.length > 0) return 'refusing traffic';
    return undefined;
  }

  /** Sends now, or when `minInterval` since the last message has passed. */
  #schedule(): void {
    if (this.#pending.list.length === 0 || this.#flushTimer !== undefined || this.#closed) return;
    const wait = this.#lastSentAt + this.#settings.minInterval - Date.now();
    if (wait <= 0) this.#flush();
    else this.#flushTimer = setTimeout(() => this.#flush(), wait).unref();
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.list.length === 0) return;
    const { events, omitted } = this.#pending.take();
    const at = Date.now();
    const states = [...this.#checks].map(([name, watched]) => this.#state(name, watched));
    // The checks the events name, and any whose status the last message did not tell (its events left out).
    const named = new Set(events.map(({ check }) => check));
    for (const [name, watched] of this.#checks) if (watched.status !== watched.told) named.add(name);
    const status = overallStatus(states);
    const message: Message = {
      at,
      status,
      before: this.#told,
      checks: states.filter(({ name }) => named.has(name)),
      failing: states.filter(({ status: checkStatus }) => !passes(checkStatus)),
      events,
      omitted,
      muted: this.#muted,
    };
    for (const [name, watched] of this.#checks) if (named.has(name)) watched.told = watched.status;
    this.#told = status;
    this.#lastSentAt = at;
    this.#send(message);
    this.#remind(message);
  }

  #state(name: string, watched: Watched): CheckState {
    const recovered = passes(watched.status) && !passes(watched.told) && watched.failingSince !== undefined;
    return {
      name,
      status: watched.status,
      before: watched.told,
      message: watched.message,
      since: watched.since,
      flapping: watched.flapping,
      ...(recovered ? { downFor: watched.since - (watched.failingSince ?? watched.since) } : {}),
    };
  }

  /** While something fails, a reminder after `remindEvery` ms without a message. */
  #remind(message: Message): void {
    clearTimeout(this.#reminder);
    this.#reminder = undefined;
    const every = this.#settings.remindEvery;
    if (every === false || message.failing.length === 0) return;
    this.#reminder = setTimeout(() => {
      this.#reminder = undefined;
      if (this.#closed || this.#muted !== undefined) return;
      this.#pending.add([{ kind: 'reminder', at: Date.now() }]);
      this.#schedule();
    }, every).unref();
  }
}

/** Events still to tell: the latest MAX_EVENTS kept in order, the ones before them counted. */
class Events {
  list: NotifyEvent[] = [];
  omitted = 0;

  /** Adds events (and a count of earlier ones left out), dropping the oldest beyond MAX_EVENTS. */
  add(events: readonly NotifyEvent[], omitted = 0): void {
    this.list.push(...events);
    this.omitted += omitted;
    const over = this.list.length - MAX_EVENTS;
    if (over <= 0) return;
    this.list.splice(0, over);
    this.omitted += over;
  }

  /** Everything kept and counted, leaving none. */
  take(): { events: NotifyEvent[]; omitted: number } {
    const taken = { events: this.list, omitted: this.omitted };
    this.list = [];
    this.omitted = 0;
    return taken;
  }
}
