import mittModule, { type Emitter, type Handler } from 'mitt';
import { type Availability, type AvailabilityChange, BusAvailability, SHUTTING_DOWN } from './availability.js';
import { checkRegistered, type HealthCheckEvent } from './recorder.js';
import { checkSchedule, SCHEDULE_OPTIONS, type ScheduleOptions } from './schedule.js';
import { Scheduler } from './scheduler.js';
import { validCheckName } from './selection.js';
import { type CheckRules, CheckTracker, checkRules, type OverTimeOptions } from './tracker.js';
import {
  type CheckFunction,
  type CheckOptions,
  entryOf,
  type HealthChange,
  type Instrumentation,
  type KnownCheck,
  type RunResult,
  type ServiceInfo,
} from './types.js';
import { checkOptionsProblem, knownOptions, type Logger, optionError, validBus } from './validate.js';

/**
 * The bus, and everything koa-health keeps per bus, in one object found by one lookup: whether startup has
 * passed and draining has begun, the instrumentations, the checks registered, the things shared by every
 * mount on the bus (engines, tracers), and what the app was already warned of.
 */

/** The events koa-health emits, by name. */
export type HealthEvents = {
  /** A run has started: report or check on the event. */
  healthcheck: HealthCheckEvent;
  /** A run has finished, with its collated result. */
  healthresult: RunResult;
  /** The overall status, or a check's status, changed since the previous run. */
  healthchange: HealthChange;
  /** The app's availability changed: a refusal, a release, broken, a startup block, load shedding. */
  availability: AvailabilityChange;
};

/** A mitt emitter carrying koa-health's events. */
export type HealthBus = Emitter<HealthEvents>;

// mitt's types describe a CommonJS default export; under nodenext the callable is `.default` (developit/mitt#191).
const mitt = mittModule as unknown as typeof mittModule.default;

/** Creates a bus of its own, for an app (or a test) that wants one apart from `healthBus`. */
export function createHealthBus(): HealthBus {
  return mitt<HealthEvents>();
}

/** The shared bus: any module can subscribe to it on import, without passing objects around. */
export const healthBus: HealthBus = createHealthBus();

/** A check `registerCheck()` recorded: its options, checked once when it was registered, and its listener. */
export interface RegisteredCheck {
  readonly name: string;
  readonly options: CheckOptions;
  /** Its rules over time: `failAfter`, `recoverAfter`, flapping. */
  readonly rules: CheckRules;
  /** The `'healthcheck'` listener that runs it; the check is on the bus while this is subscribed. */
  readonly listener: Handler<HealthCheckEvent>;
}

/** What koa-health keeps for one bus: made on first use by `contextOf()`, shared by every mount on the bus. */
export class HealthContext {
  /** The instrumentations every run on the bus reports to (`instrument()`). */
  readonly instrumentations = new Set<Instrumentation>();
  /** What each check of the bus keeps across runs: streaks, thresholds, flapping. */
  readonly tracker = new CheckTracker();
  /** The checks that run on timers of their own, or reuse their own results. */
  readonly scheduler = new Scheduler({ tracker: this.tracker, instrumentations: this.instrumentations });
  /** What the app says of its own availability: refusals, broken, startup blocks (`availability()`). */
  readonly availability: BusAvailability;
  /** What the service says of itself: the first mount's `service` (`health({ service })`); `undefined` before one. */
  service: ServiceInfo | undefined;
  // The paths health() answers on this bus, each with how many mounts answer there.
  readonly #healthPaths = new Map<string, number>();
  readonly #bus: HealthBus;
  // The checks registerCheck() recorded, by name: the first registration of a name that is still on the bus.
  readonly #registered = new Map<string, RegisteredCheck>();
  #startedAt: number | undefined;
  #drainingSince: number | undefined;
  readonly #shared = new Map<string, SharedEntries<unknown, unknown>>();
  readonly #warned = new Set<string>();
  // Names registered twice, not yet told to a logger: the registration has none, the next run has.
  readonly #registeredTwice = new Set<string>();

  constructor(bus: HealthBus) {
    this.#bus = bus;
    this.availability = new BusAvailability({
      emit: (change) => bus.emit('availability', change),
      checksStarted: () => this.#startedAt !== undefined,
    });
  }

  /** When the startup checks first passed, ms since the epoch; `undefined` until then. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** When draining (graceful shutdown) began, ms since the epoch; `undefined` while serving. */
  get drainingSince(): number | undefined {
    return this.#drainingSince;
  }

  /** Startup has passed: it passes once, for the life of the process. */
  markStarted(): void {
    if (this.#startedAt !== undefined) return;
    this.#startedAt = Date.now();
    this.availability.checksPassed();
  }

  /** Draining has begun: readiness answers 503 from now on, a refusal of traffic that is never released. */
  startDrain(): void {
    if (this.#drainingSince !== undefined) return;
    this.#drainingSince = Date.now();
    this.availability.refuse(SHUTTING_DOWN, true);
  }

  /** A mount answers at `path` (and below it) until the function returned is called. */
  addHealthPath(path: string): () => void {
    this.#healthPaths.set(path, (this.#healthPaths.get(path) ?? 0) + 1);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const count = (this.#healthPaths.get(path) ?? 1) - 1;
      if (count > 0) this.#healthPaths.set(path, count);
      else this.#healthPaths.delete(path);
    };
  }

  /** The paths the mounts on this bus answer at (each with what it answers below it). */
  healthPaths(): IterableIterator<string> {
    return this.#healthPaths.keys();
  }

  /** The things of one kind (`'engines'`, `'tracing'`) that the mounts and setups on this bus share. */
  shared<K, T>(kind: string): SharedEntries<K, T> {
    return entryOf(this.#shared, kind, () => new Map()) as SharedEntries<K, T>;
  }

  /**
   * Records a check. A name registered already, and still on the bus, is not recorded again (said once at
   * the next run); one whose listener was taken off the bus (`bus.off()`, `bus.all.clear()`) is replaced.
   */
  register(check: RegisteredCheck): boolean {
    const earlier = this.#registered.get(check.name);
    if (earlier !== undefined && this.#subscribed(earlier)) {
      this.#registeredTwice.add(check.name);
      return false;
    }
    this.#registered.set(check.name, check);
    return true;
  }

  /** Forgets a registered check, if it is still the one recorded under its name. */
  unregister(check: RegisteredCheck): void {
    if (this.#registered.get(check.name) !== check) return;
    this.#registered.delete(check.name);
    this.tracker.forget(check.name);
    this.scheduler.remove(check.name);
  }

  /** The registered checks still on the bus, by name: a lookup, no run needed. */
  registered(): Map<string, RegisteredCheck> {
    const listeners = new Set<unknown>(this.#bus.all.get('healthcheck') ?? []);
    const onBus = new Map<string, RegisteredCheck>();
    for (const [name, check] of this.#registered) if (listeners.has(check.listener)) onBus.set(name, check);
    return onBus;
  }

  #subscribed(check: RegisteredCheck): boolean {
    const listeners: readonly unknown[] = this.#bus.all.get('healthcheck') ?? [];
    return listeners.includes(check.listener);
  }

  /**
   * Every check the bus has, by name, known before any run: when every `'healthcheck'` listener on the bus is
   * a registered check's (and there is no `'*'` listener). `undefined` when a plain subscriber may make
   * names known only as it runs.
   */
  knownFromRegistry(): ReadonlyMap<string, KnownCheck> | undefined {
    const listeners = this.#bus.all.get('healthcheck') ?? [];
    const registered = this.registered();
    if ((this.#bus.all.get('*') ?? []).length > 0 || registered.size !== listeners.length) return undefined;
    return new Map(
      [...registered.values()].map(({ name, options }) => [
        name,
        { tags: Object.freeze([...(options.tags ?? [])]), default: options.default ?? true },
      ]),
    );
  }

  /** The names registered twice since the last call. */
  takeRegisteredTwice(): string[] {
    const names = [...this.#registeredTwice];
    this.#registeredTwice.clear();
    return names;
  }

  /** Logs `message` at warn, once for the life of the bus per `what`. */
  warnOnce(logger: Logger, what: string, message: string): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    logger.warn(message);
  }
}

// The one per-bus lookup of the package.
const contexts = new WeakMap<HealthBus, HealthContext>();

/** The context of `bus`, made on first use. */
export function contextOf(bus: HealthBus): HealthContext {
  return entryOf(contexts, bus, () => new HealthContext(bus));
}

/**
 * The app's levers on its availability on `bus`: refuse traffic for a while, mark the process broken, make
 * startup wait for work of its own. One handle per bus, whoever asks for it.
 * @throws {TypeError} for something that is not a mitt bus
 */
export function availability(bus: HealthBus = healthBus): Availability {
  return contextOf(validBus(bus, 'availability()')).availability;
}

/** Adds an instrumentation to every run on `bus`; returns a function that removes it. */
export function instrument(bus: HealthBus, instrumentation: Instrumentation): () => void {
  const { instrumentations } = contextOf(bus);
  instrumentations.add(instrumentation);
  return () => void instrumentations.delete(instrumentation);
}

/** Something several users share: made by the first who asks, stopped when the last lets go. */
interface Entry<T> {
  readonly value: T;
  readonly stop: () => void;
  users: number;
}

/** A user's hold on a shared thing: `release()` lets go (once; later calls do nothing). */
export interface Held<T> {
  readonly value: T;
  release(): void;
}

/**
 * Holds the thing `entries` keeps under `key`, starting it with `start` if nobody holds it yet. Two
 * mounts, two setups or two copies of the package asking for the same thing then share one.
 */
export function holdShared<K, T>(entries: Map<K, Entry<T>>, key: K, start: () => { value: T; stop(): void }): Held<T> {
  const held = entryOf(entries, key, () => ({ ...start(), users: 0 }));
  held.users++;
  let released = false;
  return {
    value: held.value,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.stop();
      if (entries.get(key) === held) entries.delete(key);
    },
  };
}

export type SharedEntries<K, T> = Map<K, Entry<T>>;

/** Options of `registerCheck()`: how the check takes part in a run, and on which bus. */
export interface RegisterOptions extends CheckOptions, OverTimeOptions, ScheduleOptions {
  /**
   * The bus whose runs the check takes part in.
   * @default healthBus
   */
  bus?: HealthBus;
}

const REGISTER_OPTIONS = [
  'bus',
  'critical',
  'tags',
  'default',
  'timeout',
  'failAfter',
  'recoverAfter',
  'flapping',
  ...SCHEDULE_OPTIONS,
] as const;

/**
 * Runs `fn` as the check `name` in every run on the bus (`event.check(name, fn, options)` in one line),
 * recorded in the bus's context when it is called. A name registered on the bus already keeps its first registration: the second is ignored (and said once, at warn, at the next run), and its
 * function returned does nothing. Returns a function that unsubscribes it.
 * @throws {TypeError} for a name that cannot be asked for, a `fn` that is not a function, or a bad option
 */
export function registerCheck(name: string, fn: CheckFunction, options: RegisterOptions = {}): () => void {
  if (typeof name !== 'string' || !validCheckName(name)) {
    throw optionError('registerCheck()', 'name', 'letters, digits and _ . : -', name);
  }
  if (typeof fn !== 'function')
    throw optionError('registerCheck()', 'fn', `a function (check ${JSON.stringify(name)})`, fn);
  knownOptions(options, REGISTER_OPTIONS, 'registerCheck()');
  const {
    bus = healthBus,
    failAfter,
    recoverAfter,
    flapping,
    interval,
    initialDelay,
    jitter,
    unhealthyInterval,
    staleAfter,
    runInMaintenance,
    cache,
    ...checkOptions
  } = options;
  validBus(bus, 'registerCheck()');
  const problem = checkOptionsProblem(checkOptions);
  if (problem !== undefined) throw new TypeError(`registerCheck(): ${problem}`);
  // Copied and frozen: checked once here, they stay as they were in every run, whatever the caller changes.
  if (checkOptions.tags !== undefined) checkOptions.tags = Object.freeze([...checkOptions.tags]);
  Object.freeze(checkOptions);
  const rules = checkRules(defined({ failAfter, recoverAfter, flapping }), 'registerCheck()');
  const schedule = checkSchedule(
    defined({ interval, initialDelay, jitter, unhealthyInterval, staleAfter, runInMaintenance, cache }),
    checkOptions.timeout,
    'registerCheck()',
  );
  const context = contextOf(bus);
  const made = schedule === undefined ? undefined : () => context.scheduler.made(name);
  // Named after the check, so a subscriber failure would be reported under a name that says whose.
  const listener = {
    [name]: (event: HealthCheckEvent) => void checkRegistered(event, name, fn, checkOptions, made),
  }[name]!;
  const check: RegisteredCheck = { name, options: checkOptions, rules, listener };
  if (!context.register(check)) return () => {};
  if (schedule !== undefined) context.scheduler.add({ name, fn, options: checkOptions, rules, schedule });
  bus.on('healthcheck', listener);
  return () => {
    bus.off('healthcheck', listener);
    context.unregister(check);
  };
}

/** The entries of `options` that are not `undefined`, as `exactOptionalPropertyTypes` wants them. */
function defined<T extends object>(options: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
