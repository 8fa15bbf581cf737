import crypto from 'node:crypto';
import type { Context } from 'koa';
import { optionError } from '../core/index.js';

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
