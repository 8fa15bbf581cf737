import { entryOf } from './bounded.js';
import type { CheckResult } from './check.js';
import type { HealthResult } from './result.js';

/** A check as an instrumentation sees it when the check function is called. */
export interface CheckCall {
  readonly name: string;
  readonly critical: boolean;
  readonly tags: readonly string[];
}

/** One run, as an instrumentation follows it; every member is optional. */
export interface RunObserver {
  /** A request waits for this run (the one that started it, or one that shares it), called in its context. */
  joined?(): void;
  /**
   * Wraps one check function call: call `call()` exactly once, in whatever context (a span's, say), and
   * return a function to hear the check's result (at its deadline, if it never settles).
   */
  check?(check: CheckCall, call: () => unknown): ((result: CheckResult) => void) | void;
  /** The run is over. */
  ended?(result: HealthResult): void;
}

/** Telemetry's way into the engine: asked at the start of every run on its bus, in the context that starts it. */
export interface Instrumentation {
  runStarted(run: { readonly selection: string; readonly startedAt: number }): RunObserver | undefined;
}

// By bus (any object: the bus's type would make an import cycle with the event it carries).
const registered = new WeakMap<object, Set<Instrumentation>>();

/** Adds an instrumentation to every run on `bus`; returns a function that removes it. */
export function instrument(bus: object, instrumentation: Instrumentation): () => void {
  const set = entryOf(registered, bus, () => new Set<Instrumentation>());
  set.add(instrumentation);
  return () => void set.delete(instrumentation);
}

/** The observers of a run starting on `bus`. An instrumentation that throws is left out: it must not break the run. */
export function observeRun(bus: object, run: { selection: string; startedAt: number }): RunObserver[] {
  const observers: RunObserver[] = [];
  for (const instrumentation of registered.get(bus) ?? []) {
    const observer = guarded(() => instrumentation.runStarted(run));
    if (observer) observers.push(observer);
  }
  return observers;
}

/**
 * Calls a check function through every observer's `check()`, outermost first; the function runs exactly
 * once, whatever an observer does, and its own return or throw is what the run sees. Returns what it
 * returned (or threw), and one `ended` for every observer that asked to hear the result.
 */
export function callObserved(
  observers: readonly RunObserver[],
  check: CheckCall,
  call: () => unknown,
): { returned: unknown; thrown: { error: unknown } | undefined; ended(result: CheckResult): void } {
  // No telemetry on this bus: the check function alone, without a wrapper per check.
  if (observers.length === 0) return callAlone(call);
  const endings: Array<(result: CheckResult) => void> = [];
  let next = call;
  for (let i = observers.length - 1; i >= 0; i--) {
    const observer = observers[i]!;
    if (!observer.check) continue;
    const inner = next;
    next = () => {
      let called = false;
      let returned: unknown;
      let thrown: { error: unknown } | undefined;
      const once = (): unknown => {
        if (!called) {
          called = true;
          try {
            returned = inner();
          } catch (error) {
            thrown = { error };
          }
        }
        if (thrown) throw thrown.error;
        return returned;
      };
      const ended = guarded(() => observer.check!(check, once));
      if (typeof ended === 'function') endings.push(ended);
      return once();
    };
  }
  const ended = (result: CheckResult): void => {
    for (const end of endings) guarded(() => end(result));
  };
  return { ...callAlone(next), ended };
}

const NOBODY_LISTENS = (): void => {};

function callAlone(call: () => unknown): {
  returned: unknown;
  thrown: { error: unknown } | undefined;
  ended(result: CheckResult): void;
} {
  try {
    return { returned: call(), thrown: undefined, ended: NOBODY_LISTENS };
  } catch (error) {
    return { returned: undefined, thrown: { error }, ended: NOBODY_LISTENS };
  }
}

/** Runs a hook of an observer: one that throws is ignored, as a listener that throws is. */
export function guarded<T>(hook: () => T): T | undefined {
  try {
    return hook();
  } catch {
    return undefined;
  }
}
