import Koa from 'koa';
import { health } from 'koa-health';
// Each check module subscribes to the shared bus when imported.
import './checks/database.js';
import './checks/disk.js';
import './checks/upstream.js';

const port = Number(process.env.PORT ?? 3000);
const app = new Koa();

app.use(health({ disableFile: process.env.DISABLE_FILE ?? '/tmp/maintenance' }));
app.use((ctx) => {
  ctx.body = 'Hello from the example app. Try /health?checks=all\n';
});

app.listen(port, () => console.log(`example listening on http://localhost:${port}/health`));
