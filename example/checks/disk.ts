// A synchronous check that reports directly, pyramid_health style.
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { healthBus } from 'koa-health';

const MIN_FREE_BYTES = 64 * 1024 * 1024;

healthBus.on('healthcheck', function diskCheck(event) {
  if (!event.wants('disk')) return;
  const { bavail, bsize } = statfsSync(tmpdir());
  const free = bavail * bsize;
  if (free < MIN_FREE_BYTES) event.report('disk', 'ERROR', `only ${free} bytes free in ${tmpdir()}`);
  else event.report('disk', 'OK', `${Math.round(free / 1024 / 1024)} MiB free`);
});
