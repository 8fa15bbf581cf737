import type { Context, Next } from 'koa';
import { sharedEngine } from '../core/index.js';
import { HealthEndpoint } from './endpoint.js';
import { configure, type HealthMiddleware, type HealthOptions } from './options.js';
import { outside } from './path.js';

/**
 * A Koa middleware answering health checks at `path`: 200 `OK`, `maintenanceCode` `MAINTENANCE`
 * while the disable file exists, `failureCode` `ERROR` when a check asked for with `?checks=` fails,
 * and `pong` at `path/ping`. Every other request goes straight to `next()`.
 * @throws {TypeError} for a bad or unknown option
 */
export function health(options: HealthOptions = {}): HealthMiddleware {
  const config = configure(options);
  // Mounts on one bus with the same settings share one engine: one run per flood, one refresh, one log line.
  const { engine, release } = sharedEngine(config.engine);
  const endpoint = new HealthEndpoint(config, engine);
  const path = config.endpoint;
  const close = (): void => release();
  if (path === false) {
    // Mounted on a router route: the route decides, and a path ending in `/ping` is the ping.
    return Object.assign(function koaHealth(ctx: Context): Promise<void> | void {
      return ctx.request.path.endsWith('/ping') ? endpoint.ping(ctx) : endpoint.answer(ctx);
    }, { close });
  }
  const ping = path === '/' ? '/ping' : `${path}/ping`;
  const [pathSlash, pingSlash] = [`${path}/`, `${ping}/`];
  return Object.assign(function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
    // The hot path: every other request of the app pays this one compare on the raw URL.
    if (outside(ctx.req.url, path)) return next();
    const requested = ctx.request.path;
    if (!requested.startsWith(path)) return next();
    if (requested === path || requested === pathSlash) return endpoint.answer(ctx);
    if (requested === ping || requested === pingSlash) return endpoint.ping(ctx);
    return next();
  }, { close });
}
