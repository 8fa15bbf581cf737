/**
 * The instrumentation point: the observers of a run (telemetry asks to follow it when it starts), and each
 * check function called through them, exactly once whatever an observer does.
 */
import type { CheckCall, CheckResult, Instrumentation, RunObserver } from './types.js';

/** The observers of a run starting on a bus with these instrumentations. One that throws is left out: it must not break the run. */
export function observeRun(
  instrumentations: Iterable<Instrumentation>,
  run: { selection: string; startedAt: number },
): RunObserver[] {
  const observers: RunObserver[] = [];
  for (const instrumentation of instrumentations) {
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
