import Koa from 'koa';
import { environment, gracefulShutdown, health } from 'koa-health';
// Each check module registers its checks on the shared bus when imported.
import './checks/process.js';
import { serviceChecks } from './checks/services.js';
import './checks/upstream.js';

const port = Number(process.env.PORT ?? 3000);
const app = new Koa();

const healthMiddleware = health({
  disableFile: process.env.DISABLE_FILE ?? '/tmp/maintenance',
  // If a check module above were not imported, its checks would fail rather than go missing.
  expect: ['disk', 'memory', 'event-loop', ...serviceChecks],
});
app.use(healthMiddleware);
// Operators only: the dump needs this secret as a Bearer token or ?auth=.
app.use(environment({
  secret: process.env.ENVIRONMENT_SECRET ?? 'change-me',
  config: { port, greeting: 'hello', databaseUrl: process.env.DATABASE_URL ?? 'postgres://app:example-password@localhost:5432/app' },
}));
app.use((ctx) => {
  ctx.body = 'Hello from the example app. Try /health?checks=all\n';
});

const server = app.listen(port, () => console.log(`example listening on http://localhost:${port}/health`));
// SIGTERM or Ctrl-C: /health/ready turns 503, requests in flight finish, then the process exits.
gracefulShutdown(server, { health: healthMiddleware });
