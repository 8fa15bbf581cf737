/**
 * How every answer of ours is written: headers straight on Node's response, short text answers, reports in
 * the chosen format, 405 and our own 4xx; and the one compare that turns other paths away before Koa parses
 * the URL.
 */
import type { Context } from 'koa';
import { HealthError, jsonSafe, SelectionError } from '../core/index.js';
import { type Answer, type CustomFormat, FORMATS, type FormatName, MEDIA_TYPES, TEXT } from '../formats/index.js';
import type { StateHeaders } from './validate.js';

/**
 * Sets a response header. Every header of ours goes through here, straight onto Node's response:
 * Koa's `ctx.set` adds two delegates and a type check per call, on the path of every probe.
 */
export function setHeader(ctx: Context, name: string, value: string): void {
  ctx.res.setHeader(name, value);
}

/** Answers a short text body: the endpoints' own statuses and their 4xx messages. */
export function replyText(ctx: Context, status: number, body: string): void {
  ctx.response.status = status;
  setHeader(ctx, 'Content-Type', TEXT);
  ctx.response.body = body;
}

const ALLOWED_METHODS = 'GET, HEAD, POST';

/** What an answer is written with: the extra headers by state, and a custom text format, if any. */
export interface AnswerSettings {
  readonly headers: StateHeaders;
  readonly format: CustomFormat | undefined;
}

/** Writes an answer in the chosen format, with the state's extra headers; a custom format writes the text one. */
export function writeReport(ctx: Context, config: AnswerSettings, formatName: FormatName, report: Answer): void {
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

/** Answers `406` naming what can be had: the built-in formats, and the status page. */
export function replyNotAcceptable(ctx: Context): void {
  replyText(ctx, 406, `acceptable: ${Object.values(MEDIA_TYPES).join(', ')}, text/html`);
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

const SLASH = 0x2f;

/**
 * Whether a request is surely for a path outside `prefix`, judged on the raw URL before Koa parses it:
 * the one compare every other request of the app pays. An absolute-form URL (`GET http://host/health`)
 * is not judged here; the parsed path decides.
 */
export function outside(url: string | undefined, prefix: string): boolean {
  return url !== undefined && url.charCodeAt(0) === SLASH && !url.startsWith(prefix);
}
