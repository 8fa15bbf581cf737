import type { Context } from 'koa';
import { TEXT } from '../formats/index.js';

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
