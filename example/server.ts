import Koa from 'koa';
import { discoverChecks, gracefulShutdown, health } from 'koa-health';
import { environment } from 'koa-health/environment';

const port = Number(process.env.PORT ?? 3000);
// Every *.healthchecks.ts module beside the code it checks registers its checks; a broken one stops startup.
const modules = await discoverChecks(new URL('.', import.meta.url));
console.log(`check modules: ${modules.length}`);

const app = new Koa();
const healthMiddleware = health({
  disableFile: process.env.DISABLE_FILE ?? '/tmp/maintenance',
  // Had a module not been found, its checks would fail rather than go missing.
  expect: ['disk', 'memory', 'event-loop'],
});
app.use(healthMiddleware);
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

const server = app.listen(port, () => console.log(`example listening on http://localhost:${port}/health`));
// SIGTERM or Ctrl-C: /health/ready turns 503, requests in flight finish, then the process exits.
gracefulShutdown(server, { health: healthMiddleware });
