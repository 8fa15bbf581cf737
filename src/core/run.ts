import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Handler, WildcardHandler } from 'mitt';
import { contextOf, type HealthBus, type HealthEvents, healthBus } from './context.js';
import { logText, messageOf } from './json-safe.js';
import { guarded, observeRun } from './observe.js';
import { HealthCheckEvent, RunRecorder } from './recorder.js';
import { type CheckList, Selection, validCheckName } from './selection.js';
import { type FlappingRule, rulesFor } from './tracker.js';
import {
  type CheckResult,
  DEFAULT_TIMEOUT,
  entryOf,
  isThenable,
  type KnownCheck,
  overallStatus,
  type RunObserver,
  type RunResult,
  SelectionError,
  setBounded,
} from './types.js';
import {
  type HealthLogger,
  knownOptions,
  type Logger,
  optionError,
  validBus,
  validLogger,
  validTimeout,
} from './validate.js';

/** Options of `runHealthChecks()`. */
export interface RunOptions {
  /**
   * The bus whose `'healthcheck'` subscribers run.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Deadline in ms for the whole run; what is still pending then fails.
   * @default 5000
   */
  timeout?: number;
  /**
   * Which checks to run: `'all'`, `'_defaults'`, names, `'@tag'`s; comma-separated or as an array.
   * @default 'all'
   */
  checks?: CheckList;
  /**
   * Names or `'@tag'`s to leave out.
   * @default []
   */
  exclude?: CheckList;
  /**
   * Check names that must report: one that a selected run does not hear from fails with `did not report`
   * (an app that forgot to import a check module must not look healthy).
   * @default []
   */
  expect?: readonly string[];
  /**
   * Where a throwing `'healthresult'` listener, or a run that found no checks at all, is reported; `false` silences it.
   * @default console
   */
  logger?: Logger | false;
}

/** How runs are made: the bus, the deadline, the names that must report, and the default flapping rule. */
export interface RunSettings {
  readonly bus: HealthBus;
  readonly timeout: number;
  readonly expect: readonly string[];
  readonly logger: HealthLogger;
  /** Flap detection for every check that sets none of its own; `undefined` for none. */
  readonly flapping?: FlappingRule | undefined;
}

const RUN_OPTIONS = ['bus', 'timeout', 'checks', 'exclude', 'expect', 'logger'] as const;

/**
 * Runs the application checks without HTTP (for scripts, tests and startup gates),
 * emits `'healthresult'` and resolves with the collated result.
 * @throws {SelectionError} when a requested name or tag has no check
 * @throws {TypeError} for a bad option
 */
export async function runHealthChecks(options: RunOptions = {}): Promise<RunResult> {
  knownOptions(options, RUN_OPTIONS, 'runHealthChecks()');
  const {
    bus = healthBus,
    timeout = DEFAULT_TIMEOUT,
    checks = 'all',
    exclude,
    expect = [],
    logger = console,
  } = options;
  const settings: RunSettings = {
    bus: validBus(bus, 'runHealthChecks()'),
    timeout: validTimeout(timeout, 'runHealthChecks()', 'timeout'),
    expect: validExpect(expect, 'runHealthChecks()'),
    logger: validLogger(logger, 'runHealthChecks()'),
  };
  const selection = Selection.parse(checks, exclude) ?? Selection.none;
  // Scheduled checks start now if no mount has started them (and keep running, their timers unref()ed).
  contextOf(settings.bus).scheduler.start({ timeout: settings.timeout, flapping: undefined }, false);
  const result = selectResult(await executeRun(settings, selection), selection);
  emitGuarded(settings, 'healthresult', result);
  return result;
}

/** The names of `expect`: a list of valid check names. */
export function validExpect(value: unknown, where: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && validCheckName(item))) {
    throw optionError(where, 'expect', 'a list of check names (letters, digits and _ . : -)', value);
  }
  return Object.freeze([...value] as string[]);
}

/**
 * Emits on the bus; a listener that throws is logged, never thrown: it must not turn an answer into a 500,
 * reject a run, or end the refresh loop.
 */
export function emitGuarded<K extends 'healthresult' | 'healthchange'>(
  { bus, logger }: Pick<RunSettings, 'bus' | 'logger'>,
  type: K,
  payload: HealthEvents[K],
): void {
  try {
    bus.emit(type, payload);
  } catch (error) {
    logger.error(`koa-health: a '${type}' listener threw: ${logText(messageOf(error))}`);
  }
}

/** Warns of what a run shows wrong in the app's wiring, once per bus and thing. */
function warnOfWiring({ bus, logger }: RunSettings, selection: Selection, run: RunRecorder): void {
  const context = contextOf(bus);
  const once = (what: string, message: string): void => context.warnOnce(logger, what, message);
  // Two check functions under one name: registered twice (the second registration was ignored), or given twice in this run.
  for (const name of new Set([...context.takeRegisteredTwice(), ...run.duplicates])) {
    const message = `koa-health: two checks are named "${logText(name)}" on one bus: the first registered runs, the other is ignored`;
    once(`duplicate ${name}`, message);
  }
  if (run.known.size > 0 || run.checks.length > 0 || selection === Selection.none) return;
  once(
    'empty',
    "koa-health: checks were asked for, but no check reported (were the check modules imported? see the 'expect' option)",
  );
}

/** A finished run: its result, and every check name the subscribers made known. */
export interface Run {
  readonly result: RunResult;
  readonly known: ReadonlyMap<string, KnownCheck>;
}

/** A run under way: its end, and a way for each request that waits on it to say so (telemetry links them). */
export interface StartedRun {
  readonly done: Promise<Run>;
  /** Called in the context of a request that waits for this run. */
  joined(): void;
}

/**
 * Starts a run: its observers (telemetry) begin in the context of whoever starts it; emits a
 * `HealthCheckEvent`, runs every subscriber in isolation and concurrently, and collates what they
 * reported by the deadline. Never rejects.
 */
export function startRun(settings: RunSettings, selection: Selection, requested: boolean): StartedRun {
  const observers = observeRun(contextOf(settings.bus).instrumentations, {
    selection: selection.key,
    startedAt: Date.now(),
  });
  const joined = (): void => {
    for (const observer of observers) guarded(() => observer.joined?.());
  };
  // The request that starts the run waits on it from the start, before any check is called.
  if (requested) joined();
  return { done: collect(settings, selection, observers), joined };
}

/** Starts a run that the caller waits for. */
function executeRun(settings: RunSettings, selection: Selection): Promise<Run> {
  return startRun(settings, selection, true).done;
}

async function collect(settings: RunSettings, selection: Selection, observers: readonly RunObserver[]): Promise<Run> {
  const { bus, timeout, expect } = settings;
  const run = new RunRecorder(selection, timeout, observers);
  for (const name of expect) run.expectName(name);
  const event = new HealthCheckEvent(run);
  // A copy, so a subscriber that (un)subscribes while running does not shift the others.
  const subscribers = [...((bus.all.get('healthcheck') ?? []) as Handler<HealthCheckEvent>[])];
  const wildcards = [...((bus.all.get('*') ?? []) as WildcardHandler<HealthEvents>[])];
  for (const [index, subscriber] of subscribers.entries()) {
    start(run, subscriber.name || `subscriber #${index + 1}`, () => subscriber(event));
  }
  for (const [index, subscriber] of wildcards.entries()) {
    start(run, subscriber.name || `wildcard subscriber #${index + 1}`, () => subscriber('healthcheck', event));
  }

  if (await expires(run.settled(), timeout)) {
    run.expire('check');
    // A subscriber that only awaited its checks can now finish; one that still cannot is failed.
    await nextTurn();
    run.expire('subscriber');
  }
  run.failSilent(expect);
  run.close();
  warnOfWiring(settings, selection, run);
  const checks = Object.freeze(overTime(settings, run.checks, run.borrowed));
  const result: RunResult = Object.freeze({
    status: overallStatus(checks),
    checks,
    startedAt: run.startedAt,
    duration: Date.now() - run.startedAt,
    selection: selection.key,
  });
  for (const observer of observers) guarded(() => observer.ended?.(result));
  return { result, known: new Map(run.known) };
}

/** The results of a run as the rules over time make them: each check's own, else the mount's flapping rule. */
function overTime(
  { bus, flapping }: RunSettings,
  checks: readonly CheckResult[],
  borrowed: ReadonlySet<string>,
): CheckResult[] {
  const context = contextOf(bus);
  const registered = context.registered();
  return checks.map((check) => {
    // A scheduled or cached result was counted when its check ran.
    if (borrowed.has(check.name)) return check;
    const own = registered.get(check.name)?.rules;
    const tracked = context.tracker.track(check, rulesFor(own, check.critical, flapping));
    if (own !== undefined) context.scheduler.keep(tracked);
    return tracked;
  });
}

/**
 * The part of a run that `selection` asks for (all of it when the run was made for it).
 * @param lenient names and tags no check has are left out rather than refused
 * @throws {SelectionError} when a requested name or tag has no check, unless something failed or `lenient`
 */
export function selectResult(run: Run, selection: Selection, lenient = false): RunResult {
  const { result, known } = run;
  const selected = selection.key === result.selection ? result : partOf(run, selection);
  // A crashed subscriber may be why a name is missing: then the failure is the answer, not a 400.
  if (!lenient && selected.status !== 'ERROR') refuseUnknown(selection, known);
  return selected;
}

// The parts of each run that requests asked for, by selection key.
const selectedParts = new WeakMap<Run, Map<string, RunResult>>();
const MAX_PARTS = 16;

/**
 * The part of a run that `selection` keeps, made once per run: the probes waiting for one run ask for the same
 * few selections. At most `MAX_PARTS` a run: a cached or refreshed run lives on while clients invent selections.
 */
function partOf(run: Run, selection: Selection): RunResult {
  const parts = entryOf(selectedParts, run, () => new Map<string, RunResult>());
  const made = parts.get(selection.key);
  if (made !== undefined) return made;
  const { result, known } = run;
  const checks = result.checks.filter(({ name }) => {
    const check = known.get(name);
    // Results under no known name are crashed subscribers: always shown.
    return check === undefined || selection.includes(name, check);
  });
  const part = subset(result, checks, selection.key);
  setBounded(parts, selection.key, part, MAX_PARTS);
  return part;
}

/**
 * Throws when `selection` names a check or tag that none of `known` has.
 * @throws {SelectionError} naming what is missing, and the names there are
 */
export function refuseUnknown(selection: Selection, known: ReadonlyMap<string, KnownCheck>): void {
  const missing = selection.missing(known);
  if (missing.length === 0) return;
  const names = [...known.keys()].sort();
  const brief = `unknown check: ${missing.join(', ')}`;
  throw new SelectionError(`${brief} (known: ${names.join(', ') || 'none'})`, names, brief);
}

function subset(result: RunResult, checks: readonly CheckResult[], key: string): RunResult {
  return Object.freeze({ ...result, status: overallStatus(checks), checks, selection: key });
}

function start(run: RunRecorder, name: string, subscriber: () => unknown): void {
  try {
    const returned = subscriber();
    if (isThenable(returned)) run.trackSubscriber(name, returned);
  } catch (error) {
    run.subscriberThrew(name, error);
  }
}

/** What a piece of work under a deadline came to. */
export type SettledWork<T> = { ok: true; value: T } | { ok: false; message: string };

/** Resolves `true` if `work` is still pending after `ms`, `false` once it is done; clears its timer either way. */
export async function expires(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, true)));
  try {
    return await Promise.race([work.then(() => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `work(signal)` and settles by `ms` at the latest: a throw, a rejection or the deadline becomes
 * `{ ok: false, message }`, and at the deadline `signal` is aborted so the work can stop. Never rejects.
 */
export async function settleWithin<T>(
  work: (signal: AbortSignal) => T | PromiseLike<T>,
  ms: number,
): Promise<SettledWork<T>> {
  const controller = new AbortController();
  const done = (async (): Promise<SettledWork<T>> => ({ ok: true, value: await work(controller.signal) }))().catch(
    (error: unknown): SettledWork<T> => ({ ok: false, message: messageOf(error) }),
  );
  if (!(await expires(done, ms))) return done;
  const message = `timed out after ${ms} ms`;
  controller.abort(new Error(message));
  return { ok: false, message };
}
