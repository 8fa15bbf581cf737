import { optionError } from '../core/index.js';

/** What every check that talks to a server shares: one probe in flight per client, and failing fast. */

/** A probe under way on a client: the promise, when it started, and the signal of the run that started it. */
interface InFlight {
  readonly promise: Promise<unknown>;
  readonly startedAt: number;
  readonly signal: AbortSignal;
}

// By client: a run that finds a probe under way never starts a second one.
const inFlight = new WeakMap<object, InFlight>();

/**
 * Runs `probe` on `client`, unless a probe is already under way there: then this run shares it while the
 * run that started it still waits for it, and fails at once with `previous probe still running (N ms)` once
 * that run has given up (its deadline passed). Whatever the driver answers late is absorbed.
 * A run sharing a probe stops waiting when its own `signal` aborts.
 */
export function probeOnce<T>(client: object, signal: AbortSignal, probe: () => Promise<T>): Promise<T> {
  const current = inFlight.get(client);
  if (current !== undefined) {
    if (current.signal.aborted) {
      return Promise.reject(new Error(`previous probe still running (${Date.now() - current.startedAt} ms)`));
    }
    return untilAborted(current.promise as Promise<T>, signal);
  }
  let promise: Promise<T>;
  try {
    promise = Promise.resolve(probe());
  } catch (error) {
    promise = Promise.reject(error);
  }
  const entry: InFlight = { promise, startedAt: Date.now(), signal };
  inFlight.set(client, entry);
  const done = (): void => {
    if (inFlight.get(client) === entry) inFlight.delete(client);
  };
  // The late answer (or failure) of a driver that cannot cancel is absorbed here.
  promise.then(done, done);
  // The run that starts the probe fails at its own deadline (the engine sees to that): no need to race the signal.
  return promise;
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts: never waits past the deadline. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(reasonOf(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** A TypeError naming a factory's argument, in the one message form (`core/validate.ts`). */
export function argumentError(factory: string, argument: string, expected: string, got: unknown): TypeError {
  return optionError(factory, argument, expected, got);
}
