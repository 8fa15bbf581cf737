import { expect } from 'chai';
import request from 'supertest';
import { createHealthBus, type Logger, runHealthChecks } from '../../src/index.js';
import { fakeClock, makeApp, recordingLogger } from '../helpers.js';

const throwingLogger: Logger = {
  info() {
    throw new Error('logger down');
  },
  warn() {
    throw new Error('logger down');
  },
  error() {
    throw new Error('logger down');
  },
};

describe('background work that must not die', () => {
  it('keeps the refresh loop on time through a throwing logger and throwing listeners, answers fresh', async () => {
    const clock = fakeClock();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const { app, bus, middleware } = makeApp({ refreshInterval: 100, logger: throwingLogger });
    try {
      let runs = 0;
      // Every run changes status: every run logs a transition and emits 'healthchange'.
      bus.on('healthcheck', (event) => event.report('flapping', ++runs % 2 === 0 ? 'OK' : 'ERROR'));
      bus.on('healthresult', () => {
        throw new Error('result listener bug');
      });
      bus.on('healthchange', () => {
        throw new Error('change listener bug');
      });
      // Runs at 0, 100, …, 600: seven, each on time.
      for (let interval = 0; interval < 6; interval++) await clock.tickAsync(100);
      expect(runs).to.equal(7);
      // Answers come from the latest run: run 7 said ERROR; run 8, at 700, says OK.
      await request(app.callback()).get('/health?checks=all').expect(503);
      await clock.tickAsync(100);
      expect(runs).to.equal(8);
      await request(app.callback()).get('/health?checks=all').expect(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      middleware.close();
      clock.uninstall();
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('lets runHealthChecks() resolve when a listener throws, logging it as the middleware does', async () => {
    const bus = createHealthBus();
    const logger = recordingLogger();
    bus.on('healthcheck', (event) => event.report('db', 'OK'));
    bus.on('healthresult', () => {
      throw new Error('listener bug');
    });
    const result = await runHealthChecks({ bus, logger });
    expect(result.status).to.equal('OK');
    expect(logger.lines).to.deep.equal([['error', "koa-health: a 'healthresult' listener threw: listener bug"]]);
    // And with a logger that throws too.
    expect((await runHealthChecks({ bus, logger: throwingLogger })).status).to.equal('OK');
  });
});
