import type { Context, Next } from 'koa';
import { contextOf, sharedEngine } from '../core/index.js';
import { outside } from './answer.js';
import { HealthEndpoint } from './endpoint.js';
import { MaintenanceWatch } from './maintenance.js';
import { configure, type HealthMiddleware, type HealthOptions } from './options.js';
import { QueryReader } from './parameters.js';
import { type Probe, ProbeEndpoint } from './probes.js';

/**
 * A Koa middleware answering health checks at `path`: 200 `OK`, `maintenanceCode` `MAINTENANCE`
 * while the disable file exists, `failureCode` `ERROR` when a check asked for with `?checks=` fails;
 * `pong` at `path/ping`, and Kubernetes' probes at `path/live`, `path/ready` and `path/startup`.
 * Every other request goes straight to `next()`.
 * @throws {TypeError} for a bad or unknown option
 */
export function health(options: HealthOptions = {}): HealthMiddleware {
  const config = configure(options);
  // Mounts on one bus with the same settings share one engine: one run per flood, one refresh, one log line.
  const { value: engine, release } = sharedEngine(config.engine);
  const parts = {
    config,
    engine,
    maintenance: new MaintenanceWatch(config.disableFile, config.logger),
    context: contextOf(config.engine.bus),
    queries: new QueryReader(),
  };
  const endpoint = new HealthEndpoint(parts);
  const probes = new ProbeEndpoint(parts);
  const { bus } = config.engine;
  const close = (): void => release();

  /** Answers what follows the health path (`ping`, `live`, `ready`, `ready/<name>`, `startup`), else `undefined`. */
  function below(ctx: Context, sub: string): Promise<void> | void | false {
    const [first, second, extra] = (sub.endsWith('/') ? sub.slice(0, -1) : sub).split('/');
    if (extra !== undefined) return false;
    if (second === undefined) {
      if (first === 'ping') return endpoint.ping(ctx);
      if (first === 'live' || first === 'ready' || first === 'startup') return probes.answer(ctx, first as Probe);
      return false;
    }
    return first === 'ready' && second !== '' ? probes.answer(ctx, 'ready', second) : false;
  }

  const { path } = config;
  if (path === false) {
    // Mounted on a router route: the route decides; the path's last segments say which probe.
    return Object.assign(
      function koaHealth(ctx: Context): Promise<void> | void {
        const segments = ctx.request.path.split('/').filter(Boolean);
        for (const take of [1, 2]) {
          const answered = segments.length >= take && below(ctx, segments.slice(-take).join('/'));
          if (answered !== false) return answered;
        }
        return endpoint.answer(ctx);
      },
      { close, bus },
    );
  }
  const prefix = path === '/' ? '/' : `${path}/`;
  return Object.assign(
    function koaHealth(ctx: Context, next: Next): Promise<unknown> | void {
      // The hot path: every other request of the app pays this one compare on the raw URL.
      if (outside(ctx.req.url, path)) return next();
      const requested = ctx.request.path;
      if (requested === path || requested === prefix) return endpoint.answer(ctx);
      if (!requested.startsWith(prefix)) return next();
      const answered = below(ctx, requested.slice(prefix.length));
      return answered === false ? next() : answered;
    },
    { close, bus },
  );
}
