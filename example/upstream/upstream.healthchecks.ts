// An async subscriber: its promise is awaited, and a non-critical failure only warns.
import { healthBus } from 'koa-health';

const upstream = process.env.UPSTREAM_URL;

healthBus.on('healthcheck', async function upstreamCheck(event) {
  if (!upstream) return;
  await event.check(
    'upstream',
    async (signal) => {
      const response = await fetch(upstream, { signal });
      if (!response.ok) throw new Error(`upstream answered ${response.status}`);
      return `upstream answered ${response.status}`;
    },
    { critical: false, timeout: 2000 },
  );
});
