import { validateHeaderName, validateHeaderValue } from 'node:http';
import { type CacheOptions, type CheckList, knownOptions, MAX_TIMER_MS, Selection } from '../core/index.js';
import type { AnswerState } from '../formats/index.js';

/** `health()`'s own option checks: each throws a `TypeError` naming the option. */

/** Extra response headers by state. */
export type StateHeaders = Partial<Record<AnswerState, Readonly<Record<string, string>>>>;

const STATES: readonly AnswerState[] = ['OK', 'WARN', 'ERROR', 'MAINTENANCE', 'STARTING', 'SHUTTING_DOWN'];

/** A list of checks, as `?checks=` takes it, parsed once. */
export function validSelection(value: unknown, name: string): Selection {
  const valid = typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  try {
    const selection = valid ? Selection.parse(value as CheckList) : undefined;
    if (selection !== undefined) return selection;
  } catch {
    // A malformed name: said below.
  }
  throw new TypeError(`option "${name}" must name checks as ?checks= does ('_defaults', '@ready', 'db,cache')`);
}

/** An HTTP status code. */
export function validCode(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 999) {
    throw new TypeError(`option "${name}" must be an HTTP status code from 100 to 999 (got ${String(value)})`);
  }
  return value;
}

/** A path starting with `/`, kept without a trailing slash. */
export function validPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw new TypeError(`option "${name}" must be a path starting with "/" (got ${JSON.stringify(value)})`);
  }
  // `/health/` and `/health` are the same endpoint; keep the form without the slash.
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

/** A file path, or `false`. */
export function validFile(value: unknown, name: string): string | false {
  if (value === false) return false;
  if (typeof value !== 'string' || value === '') throw new TypeError(`option "${name}" must be a file path or false`);
  return value;
}

/** Extra headers by state: known states, valid header names to valid values (no CR or LF), checked now rather than as a 500 later. */
export function validHeaders(headers: unknown): StateHeaders {
  if (typeof headers !== 'object' || headers === null)
    throw new TypeError('option "headers" must be an object by state');
  const valid: Record<string, Readonly<Record<string, string>>> = {};
  for (const [state, set] of Object.entries(headers)) {
    if (!STATES.includes(state as AnswerState))
      throw new TypeError(`option "headers" has unknown state "${state}" (use ${STATES.join(', ')})`);
    if (typeof set !== 'object' || set === null)
      throw new TypeError(`option "headers.${state}" must map header names to strings`);
    for (const [name, value] of Object.entries(set)) {
      try {
        if (typeof value !== 'string') throw new TypeError('not a string');
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch {
        throw new TypeError(
          `option "headers.${state}" has an invalid header ${JSON.stringify(name)}: names are tokens, values strings without CR, LF or NUL`,
        );
      }
    }
    valid[state] = Object.freeze({ ...set });
  }
  return valid;
}

/** `{ success, failure }` in ms, or `false` for no cache. */
export function validCache(cache: CacheOptions | false): Required<CacheOptions> {
  if (cache === false) return { success: 0, failure: 0 };
  if (typeof cache !== 'object' || cache === null)
    throw new TypeError('option "cache" must be { success, failure } in ms, or false');
  knownOptions(cache, ['success', 'failure'], 'health() option "cache"');
  const { success = 0, failure = 0 } = cache;
  for (const [name, ttl] of Object.entries({ success, failure })) {
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TIMER_MS) {
      throw new TypeError(`option "cache.${name}" must be a number of ms from 0 to ${MAX_TIMER_MS}`);
    }
  }
  return { success, failure };
}

/** A whole number from 0 to 10000: how many entries a bounded buffer keeps. */
export function validCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new TypeError(`option "${name}" must be a whole number from 0 to 10000`);
  }
  return value;
}
