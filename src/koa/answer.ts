import type { Context } from 'koa';
import { HealthError, jsonSafe, SelectionError } from '../core/index.js';
import { FORMATS, type FormatName, type HealthReport } from '../formats/index.js';
import type { HealthConfig } from './options.js';
import { replyText, setHeader } from './reply.js';

const ALLOWED_METHODS = 'GET, HEAD, POST';

/** Writes an answer in the chosen format, with the state's extra headers; a custom format writes the text one. */
export function writeReport(ctx: Context, config: HealthConfig, formatName: FormatName, report: HealthReport): void {
  const { response } = ctx;
  response.status = report.statusCode;
  if (report.state === 'MAINTENANCE' && ctx.req.httpVersionMajor < 2) response.message = 'MAINTENANCE';
  const extra = config.headers[report.state];
  if (extra) for (const name of Object.keys(extra)) setHeader(ctx, name, extra[name]!);
  const custom: unknown = formatName === 'text' ? config.format?.(report, ctx) : undefined;
  // A custom format that returns nothing falls back to text rather than letting Koa answer 204.
  if (custom !== undefined && custom !== null) {
    const asJson = typeof custom === 'object' && !isBody(custom);
    // Koa would JSON.stringify it and answer 500 on a BigInt or a cycle: write it safely ourselves.
    if (asJson && !ctx.res.hasHeader('Content-Type')) setHeader(ctx, 'Content-Type', 'application/json; charset=utf-8');
    response.body = asJson ? JSON.stringify(jsonSafe(custom)) : custom;
    return;
  }
  const format = FORMATS[formatName];
  setHeader(ctx, 'Content-Type', format.contentType);
  response.body = format.body(report);
}

/** What Koa sends as it is: a buffer or a stream. Other objects we write as JSON ourselves, safely. */
function isBody(value: object): boolean {
  return Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function';
}

/** GET, HEAD and POST go on; anything else is answered 405 here. */
export function allowedMethod(ctx: Context): boolean {
  const { method } = ctx.req;
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  setHeader(ctx, 'Allow', ALLOWED_METHODS);
  replyText(ctx, 405, 'method not allowed');
  return false;
}

/**
 * Our own 4xx answers; anything else is not ours to swallow. An unknown check's answer lists the known names
 * only where `names` says the caller may see them.
 */
export function replyError(ctx: Context, error: unknown, names = true): void {
  if (!(error instanceof HealthError)) throw error;
  replyText(ctx, error.status, !names && error instanceof SelectionError ? error.brief : error.message);
}
