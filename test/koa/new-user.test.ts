import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { createHealthBus, health, runHealthChecks } from '../../src/index.js';
import { fakeClock, makeApp, recordingLogger, sleep } from '../helpers.js';

describe('what a new user trips over', () => {
  it('fails an expected check that did not report: a forgotten import does not look healthy', async () => {
    const { app, bus } = makeApp({ expect: ['database', 'cache'] });
    bus.on('healthcheck', (event) => event.report('cache', 'OK'));
    const res = await request(app.callback()).get('/health?checks=all&format=json').expect(503);
    expect(res.body.components.database).to.include({ status: 'ERROR', status_message: 'did not report' });
    expect(res.body.components.cache).to.include({ status: 'OK' });
    // Asked for by name it is known, and failing; not asked for, it does not fail the run.
    await request(app.callback()).get('/health?checks=database').expect(503);
    await request(app.callback()).get('/health?checks=cache').expect(200);
    const result = await runHealthChecks({ bus, expect: ['database'], logger: false });
    expect(result.checks.map(({ name, message }) => [name, message])).to.deep.equal([
      ['database', 'did not report'],
      ['cache', ''],
    ]);
  });

  it('warns once when checks are asked for and no check at all reported, and keeps answering 200', async () => {
    const { app, logger } = makeApp();
    for (let i = 0; i < 3; i++) await request(app.callback()).get('/health?checks=all').expect(200);
    expect(logger.lines).to.deep.equal([
      [
        'warn',
        "koa-health: checks were asked for, but no check reported (were the check modules imported? see the 'expect' option)",
      ],
    ]);
  });

  it('shares one engine between mounts on one bus: one run per flood, one refresh, one log line', async () => {
    const bus = createHealthBus();
    const logger = recordingLogger();
    let runs = 0;
    bus.on('healthcheck', async (event) => {
      runs++;
      await event.check('db', () => sleep(30).then(() => false));
    });
    const app = new Koa();
    const mounted = health({ bus, logger, disableFile: false });
    const routed = health({ bus, logger, disableFile: false, path: false });
    const router = new Router();
    router.all('/status', routed);
    app.use(mounted).use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    try {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(server)
            .get(i % 2 ? '/health?checks=all' : '/status?checks=all')
            .expect(503),
        ),
      );
      expect(runs).to.equal(1);
      expect(logger.lines).to.deep.equal([['error', 'Health response: ERROR (db=ERROR "check returned false")']]);
      // Another logger, or other settings: an engine of its own.
      const other = health({ bus, logger: false, disableFile: false, timeout: 1000 });
      await request(new Koa().use(other).callback()).get('/health?checks=all').expect(503);
      expect(runs).to.equal(2);
      other.close();
    } finally {
      server.close();
      mounted.close();
      routed.close();
    }
  });

  it('keeps the shared refresh going until the last mount closes', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      let runs = 0;
      bus.on('healthcheck', (event) => {
        runs++;
        event.report('db', 'OK');
      });
      const first = health({ bus, logger: false, disableFile: false, refreshInterval: 20 });
      const second = health({ bus, logger: false, disableFile: false, refreshInterval: 20 });
      // One timer for both: runs at 0, 20, …, 100, not twice as many.
      await clock.tickAsync(100);
      expect(runs).to.equal(6);
      first.close();
      first.close();
      await clock.tickAsync(100);
      expect(runs).to.equal(11);
      second.close();
      await clock.tickAsync(100);
      expect(runs).to.equal(11);
    } finally {
      clock.uninstall();
    }
  });
});
