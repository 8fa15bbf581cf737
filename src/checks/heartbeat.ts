import { type CheckFunction, knownOptions, messageOf, outcome, spanOfTime, validTimeout } from '../core/index.js';

/** Options of `heartbeatCheck()`. */
export interface HeartbeatCheckOptions {
  /** How long one beat counts for, in ms: past it without another beat, the check fails. */
  ttl: number;
  /**
   * How long after the check is made the first beat may take, in ms; until then the check warns (it
   * passes, and says it is waiting), after it fails with `no heartbeat yet`.
   * @default ttl
   */
  grace?: number;
}

/** A heartbeat check: a check function, and what the work it watches calls. */
export interface HeartbeatCheck extends CheckFunction {
  /** The work is alive: the check passes for `ttl` ms from now, with `message` (if given) as its message. */
  beat(message?: unknown): void;
  /** The work cannot go on: the check fails with `message` until the next beat. */
  fail(message: unknown): void;
}

/**
 * An in-process dead man's switch for work the app does on its own (a job loop, a queue consumer, a
 * timer): the work calls `beat()` each time it gets through, and the check fails when no beat came for
 * `ttl` ms (`no heartbeat for 62 s (ttl 60 s)`), or when the work said `fail(message)`. It runs no timer:
 * each run compares the clock with the last beat.
 * @throws {TypeError} for a wrong option
 */
export function heartbeatCheck(options: HeartbeatCheckOptions): HeartbeatCheck {
  const where = 'heartbeatCheck()';
  knownOptions(options, ['ttl', 'grace'], where);
  const ttl = validTimeout(options.ttl, where, 'ttl');
  const grace = options.grace === undefined ? ttl : validTimeout(options.grace, where, 'grace');
  const madeAt = Date.now();
  let lastBeat: number | undefined;
  let beatMessage: string | undefined;
  let failure: string | undefined;

  function heartbeat() {
    const now = Date.now();
    if (lastBeat === undefined) {
      const details = { observedValue: now - madeAt, observedUnit: 'ms' };
      if (failure !== undefined) return outcome('ERROR', failure, details);
      if (now - madeAt > grace) return outcome('ERROR', 'no heartbeat yet', details);
      return outcome('WARN', `waiting for the first heartbeat (grace ${spanOfTime(grace)})`, details);
    }
    const age = now - lastBeat;
    const details = { observedValue: age, observedUnit: 'ms', lastBeat: new Date(lastBeat).toISOString() };
    if (failure !== undefined) return outcome('ERROR', failure, details);
    if (age > ttl) return outcome('ERROR', `no heartbeat for ${spanOfTime(age)} (ttl ${spanOfTime(ttl)})`, details);
    return outcome('OK', beatMessage ?? `last heartbeat ${spanOfTime(age)} ago`, details);
  }

  return Object.assign(heartbeat, {
    beat(message?: unknown): void {
      lastBeat = Date.now();
      failure = undefined;
      // Whatever the work hands over becomes text now: the check never throws on it later.
      beatMessage = message === undefined ? undefined : messageOf(message);
    },
    fail(message: unknown): void {
      const text = messageOf(message);
      failure = text === '' ? 'failed' : text;
    },
  });
}
