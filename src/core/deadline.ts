import { messageOf } from './json-safe.js';

/** What a piece of work under a deadline came to. */
export type Settled<T> = { ok: true; value: T } | { ok: false; message: string };

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
): Promise<Settled<T>> {
  const controller = new AbortController();
  const done = (async (): Promise<Settled<T>> => ({ ok: true, value: await work(controller.signal) }))().catch(
    (error: unknown): Settled<T> => ({ ok: false, message: messageOf(error) }),
  );
  if (!(await expires(done, ms))) return done;
  const message = `timed out after ${ms} ms`;
  controller.abort(new Error(message));
  return { ok: false, message };
}
