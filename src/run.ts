import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Handler, WildcardHandler } from 'mitt';
import { healthBus, type HealthBus, type HealthEvents } from './bus.js';
import { expires } from './deadline.js';
import { controlOf, HealthCheckEvent, overallStatus, type CheckResult, type KnownCheck, type RunControl } from './event.js';
import type { HealthResult } from './result.js';
import { Selection, SelectionError, type CheckList } from './selection.js';
import { validBus, validTimeout } from './validate.js';

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
}

/** The deadline of a run when none is given, in ms. */
export const DEFAULT_TIMEOUT = 5000;

/**
 * Runs the application checks without HTTP (for scripts, tests and startup gates),
 * emits `'healthresult'` and resolves with the collated result.
 * @throws {SelectionError} when a requested name or tag has no check
 * @throws {TypeError} for a bad option
 */
export async function runHealthChecks(options: RunOptions = {}): Promise<HealthResult> {
  const { bus = healthBus, timeout = DEFAULT_TIMEOUT, checks = 'all', exclude } = options;
  validBus(bus, 'bus');
  validTimeout(timeout, 'timeout');
  const selection = Selection.parse(checks, exclude) ?? Selection.none;
  const result = selectResult(await executeRun(bus, selection, timeout), selection);
  bus.emit('healthresult', result);
  return result;
}

/** A finished run: its result, and every check name the subscribers made known. */
export interface Run {
  readonly result: HealthResult;
  readonly known: ReadonlyMap<string, KnownCheck>;
}

/**
 * Emits a `HealthCheckEvent`, runs every subscriber in isolation and concurrently,
 * and collates what they reported by the deadline. Never rejects.
 */
export async function executeRun(bus: HealthBus, selection: Selection, timeout: number): Promise<Run> {
  const event = new HealthCheckEvent(selection, timeout);
  const run = controlOf(event);
  // A copy, so a subscriber that (un)subscribes while running does not shift the others.
  const subscribers = [...((bus.all.get('healthcheck') ?? []) as Handler<HealthCheckEvent>[])];
  const wildcards = [...((bus.all.get('*') ?? []) as WildcardHandler<HealthEvents>[])];
  subscribers.forEach((subscriber, index) => start(run, subscriber.name || `subscriber #${index + 1}`, () => subscriber(event)));
  wildcards.forEach((subscriber, index) =>
    start(run, subscriber.name || `wildcard subscriber #${index + 1}`, () => subscriber('healthcheck', event)),
  );

  if (await expires(run.settled(), timeout)) {
    run.expire('check');
    // A subscriber that only awaited its checks can now finish; one that still cannot is failed.
    await nextTurn();
    run.expire('subscriber');
  }
  run.close();
  const result: HealthResult = Object.freeze({
    status: event.status,
    checks: event.checks,
    startedAt: event.startedAt,
    duration: Date.now() - event.startedAt,
    selection: selection.key,
  });
  return { result, known: run.known() };
}

/**
 * The part of a run that `selection` asks for (all of it when the run was made for it).
 * @throws {SelectionError} when a requested name or tag has no check, unless something failed
 */
export function selectResult({ result, known }: Run, selection: Selection): HealthResult {
  const selected = selection.key === result.selection
    ? result
    : subset(result, result.checks.filter(({ name }) => {
      const check = known.get(name);
      // Results under no known name are crashed subscribers: always shown.
      return check === undefined || selection.includes(name, check);
    }), selection.key);
  const missing = selection.missing(known);
  // A crashed subscriber may be why a name is missing: then the failure is the answer, not a 400.
  if (missing.length > 0 && selected.status !== 'ERROR') {
    const names = [...known.keys()].sort();
    throw new SelectionError(`unknown check: ${missing.join(', ')} (known: ${names.join(', ') || 'none'})`, names);
  }
  return selected;
}

function subset(result: HealthResult, checks: readonly CheckResult[], key: string): HealthResult {
  return Object.freeze({ ...result, status: overallStatus(checks), checks, selection: key });
}

function start(run: RunControl, name: string, subscriber: () => unknown): void {
  try {
    const returned = subscriber();
    if (isThenable(returned)) run.track(name, returned);
  } catch (error) {
    run.fail(name, error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
