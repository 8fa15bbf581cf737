// The app of the shutdown benchmark: koa-health, a route that takes SLOW_MS, and gracefulShutdown().
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import { gracefulShutdown, health } from '../dist/index.js';

const SLOW_MS = 20;
const mount = health({ disableFile: false, logger: false });
const app = new Koa().use(mount).use(async (ctx) => {
  await sleep(SLOW_MS);
  ctx.body = 'x'.repeat(1000);
});
const server = app.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
gracefulShutdown(server, {
  health: mount,
  shutdownDelay: Number(process.env.SHUTDOWN_DELAY ?? 1000),
  logger: { info: (line) => process.send?.({ line }), warn() {}, error() {} },
});
