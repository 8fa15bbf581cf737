import crypto from 'node:crypto';
import type { Context } from 'koa';
import { logText, type Logger } from '../core/index.js';
import { replyText, setHeader } from './reply.js';

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
export function authorizer(secret: Secret | undefined, option: string): Authorizer | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'function') return (ctx) => secret(ctx) === true;
  if (typeof secret !== 'string' || secret === '') throw new TypeError(`option "${option}" must be a non-empty string or a function`);
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

/**
 * Answers a request without the right secret: `401` with `WWW-Authenticate: Bearer`, and one warn line
 * naming what was refused and the client's address (escaped), never what it sent.
 */
export function refuse(ctx: Context, logger: Logger, what: string): void {
  logger.warn(`koa-health: refused ${what} without the right secret from ${logText(ctx.ip)}`);
  setHeader(ctx, 'WWW-Authenticate', 'Bearer');
  replyText(ctx, 401, 'unauthorized');
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

/** Checks the `details` option against the secret. */
export function detailsLevel(value: unknown, hasSecret: boolean, option: string): DetailsLevel {
  if (value === undefined) return hasSecret ? 'authorized' : 'always';
  if (value !== 'always' && value !== 'authorized' && value !== 'never') {
    throw new TypeError(`option "${option}" must be 'always', 'authorized' or 'never'`);
  }
  return value;
}
