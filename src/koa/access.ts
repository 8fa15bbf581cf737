import crypto from 'node:crypto';
import type { Context } from 'koa';
import { type Logger, logText, optionError } from '../core/index.js';
import { replyText, setHeader } from './answer.js';

/** A shared secret, or a function deciding whether a request may run checks and see details. */
export type Secret = string | ((ctx: Context) => boolean);

/** Who may see each check's details. */
export type DetailsLevel = 'always' | 'authorized' | 'never';

/** Decides whether a request carries the secret: `auth` is the `auth` parameter the request gave, if any. */
export type Authorizer = (ctx: Context, auth: string | undefined) => boolean;

/**
 * Builds the check for a secret. A string is compared in constant time: both sides are hashed to equal-length
 * digests first, so neither the content nor the length of the secret leaks through timing.
 * @throws {TypeError} for an empty or non-string, non-function secret
 */
export function authorizer(secret: Secret | undefined, where: string): Authorizer | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'function') return (ctx) => secret(ctx) === true;
  if (typeof secret !== 'string' || secret === '')
    throw optionError(where, 'secret', 'a non-empty string or a function', secret);
  const expected = digest(secret);
  return (ctx, auth) => {
    const given = presented(ctx, auth);
    return given !== undefined && crypto.timingSafeEqual(digest(given), expected);
  };
}

/** The secret a request presents: the bearer token, else the `auth` parameter. */
function presented(ctx: Context, auth: string | undefined): string | undefined {
  const header = ctx.headers.authorization;
  if (header !== undefined && /^bearer /i.test(header)) return header.slice(7).trim();
  return auth;
}

// A client that keeps sending a wrong secret gets one warn line per this many ms, with a count of the rest.
const REFUSAL_LOG_MS = 60_000;

/**
 * Answers requests without the right secret: `401` with `WWW-Authenticate: Bearer`, and a warn line naming
 * what was refused and the client's address (escaped), never what it sent. A flood of them is one line a
 * minute, which counts the refusals it did not log.
 */
export class Refusals {
  readonly #logger: Logger;
  readonly #what: string;
  #loggedAt = -Infinity;
  #unlogged = 0;

  /**
   * @param logger where the lines go
   * @param what what is refused, as the line says it: `a check request`
   */
  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  /** Answers `ctx` with 401, and logs it unless a line was written less than a minute ago. */
  refuse(ctx: Context): void {
    const now = Date.now();
    if (now - this.#loggedAt < REFUSAL_LOG_MS) this.#unlogged++;
    else {
      const more = this.#unlogged > 0 ? ` (and ${this.#unlogged} more since the last line)` : '';
      this.#logger.warn(`koa-health: refused ${this.#what} without the right secret from ${logText(ctx.ip)}${more}`);
      this.#loggedAt = now;
      this.#unlogged = 0;
    }
    setHeader(ctx, 'WWW-Authenticate', 'Bearer');
    replyText(ctx, 401, 'unauthorized');
  }
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

/** Checks the `details` option against the secret. */
export function detailsLevel(value: unknown, hasSecret: boolean, where: string): DetailsLevel {
  if (value === undefined) return hasSecret ? 'authorized' : 'always';
  if (value !== 'always' && value !== 'authorized' && value !== 'never') {
    throw optionError(where, 'details', "'always', 'authorized' or 'never'", value);
  }
  return value;
}
