/** What a piece of work under a deadline came to. */
export type Settled<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Runs `work(signal)` and settles by `ms` at the latest: a throw, a rejection or the deadline becomes
 * `{ ok: false, message }`, and at the deadline `signal` is aborted so the work can stop. Never rejects.
 */
export async function settleWithin<T>(work: (signal: AbortSignal) => T | PromiseLike<T>, ms: number): Promise<Settled<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => {
      const message = `timed out after ${ms} ms`;
      controller.abort(new Error(message));
      resolve({ ok: false, message });
    }, ms);
  });
  const done = (async (): Promise<Settled<T>> => ({ ok: true, value: await work(controller.signal) }))().catch(
    (error: unknown): Settled<T> => ({ ok: false, message: error instanceof Error ? error.message || error.name : String(error) }),
  );
  try {
    return await Promise.race([done, expired]);
  } finally {
    clearTimeout(timer);
  }
}
