import Koa from 'koa';
import { discoverChecks, gracefulShutdown, health } from 'koa-health';
import { environment } from 'koa-health/environment';
import { notify } from 'koa-health/notify';
import { prometheusMetrics } from 'koa-health/prometheus';
import { register } from 'prom-client';

const port = Number(process.env.PORT ?? 3000);
// Every *.healthchecks.ts module beside the code it checks registers its checks; a broken one stops startup.
const modules = await discoverChecks(new URL('.', import.meta.url));
console.log(`check modules: ${modules.length}`);

const app = new Koa();
const healthMiddleware = health({
  disableFile: process.env.DISABLE_FILE ?? '/tmp/maintenance',
  // Had a module not been found, its checks would fail rather than go missing.
  expect: ['disk', 'memory', 'event-loop'],
  // The checks run in the background every 10 s (HEALTH_REFRESH_MS), and probes are answered from the last run.
  refreshInterval: Number(process.env.HEALTH_REFRESH_MS ?? 10_000),
  service: { serviceId: 'example', version: process.env.npm_package_version ?? '0.0.0' },
});
app.use(healthMiddleware);
// Every run's results as Prometheus metrics, at /metrics (prometheus/alerts.yml has the alerts).
prometheusMetrics();
app.use(async (ctx, next) => {
  if (ctx.path !== '/metrics') return next();
  ctx.type = register.contentType;
  ctx.body = await register.metrics();
});
// A message to a webhook when the health changes, if NOTIFY_WEBHOOK_URL says where.
const notifier = process.env.NOTIFY_WEBHOOK_URL ? notify({ webhook: process.env.NOTIFY_WEBHOOK_URL }) : undefined;
// Operators only: the dump needs this secret as a Bearer token or ?auth=.
app.use(
  environment({
    secret: process.env.ENVIRONMENT_SECRET ?? 'change-me',
    config: {
      port,
      greeting: 'hello',
      databaseUrl: process.env.DATABASE_URL ?? 'postgres://app:example-password@localhost:5432/app',
    },
  }),
);
app.use((ctx) => {
  ctx.body = 'Hello from the example app. Try /health?checks=all\n';
});

const server = app.listen(port, () => {
  const address = server.address();
  const listening = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`example listening on http://localhost:${listening}/health`);
});
// SIGTERM or Ctrl-C: /health/ready turns 503, requests in flight finish, the last messages go out, then the process exits.
gracefulShutdown(server, { health: healthMiddleware, onShutdown: () => notifier?.close() });
