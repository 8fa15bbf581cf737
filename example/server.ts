import Koa from 'koa';
import { environment, health } from 'koa-health';
// Each check module subscribes to the shared bus when imported.
import './checks/database.js';
import './checks/disk.js';
import './checks/upstream.js';

const port = Number(process.env.PORT ?? 3000);
const app = new Koa();

// `expect`: if a check module above were not imported, its check would fail rather than go missing.
app.use(health({ disableFile: process.env.DISABLE_FILE ?? '/tmp/maintenance', expect: ['database', 'disk'] }));
// Operators only: the dump needs this secret as a Bearer token or ?auth=.
app.use(environment({
  secret: process.env.ENVIRONMENT_SECRET ?? 'change-me',
  config: { port, greeting: 'hello', databaseUrl: 'postgres://app:example-password@localhost:5432/app' },
}));
app.use((ctx) => {
  ctx.body = 'Hello from the example app. Try /health?checks=all\n';
});

app.listen(port, () => console.log(`example listening on http://localhost:${port}/health`));
