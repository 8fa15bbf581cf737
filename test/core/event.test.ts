import { expect } from 'chai';
import request from 'supertest';
import { createHealthBus, type HealthCheckEvent, type RunResult, runHealthChecks } from '../../src/index.js';
import { fakeClock, makeApp, sleep } from '../helpers.js';

/** Runs one subscriber alone on a bus of its own, as an app's run would, and resolves with the run's result. */
async function runWith(subscriber: (event: HealthCheckEvent) => unknown): Promise<RunResult> {
  const bus = createHealthBus();
  bus.on('healthcheck', subscriber);
  return runHealthChecks({ bus, timeout: 1000, logger: false });
}

describe('HealthCheckEvent', () => {
  it('collects reports: OK passes, any other status fails, a later report of a name replaces it', async () => {
    await runWith((event) => {
      expect(event.status).to.equal('OK');
      event.report('db', 'OK');
      expect(event.status).to.equal('OK');
      event.report('cache', 'NOK', 'down');
      expect(event.status).to.equal('ERROR');
      expect(event.checks.map(({ name, status, message }) => ({ name, status, message }))).to.deep.equal([
        { name: 'db', status: 'OK', message: '' },
        { name: 'cache', status: 'NOK', message: 'down' },
      ]);
      event.report('cache', 'OK');
      expect(event.status).to.equal('OK');
    });
  });

  it('check(): resolving passes, a string is the message, false or a throw fails with the message', async () => {
    const { checks } = await runWith((event) =>
      Promise.all([
        event.check('resolves', async () => undefined),
        event.check('says', () => 'all good'),
        event.check('false', async () => false),
        event.check('throws', () => {
          throw new Error('sync boom');
        }),
        event.check('rejects', async () => {
          throw new Error('async boom');
        }),
      ]),
    );
    const byName = Object.fromEntries(checks.map(({ name, status, message }) => [name, `${status} ${message}`]));
    expect(byName).to.deep.equal({
      resolves: 'OK ',
      says: 'OK all good',
      false: 'ERROR check returned false',
      throws: 'ERROR sync boom',
      rejects: 'ERROR async boom',
    });
  });
});

describe('running the application checks', () => {
  it('awaits async subscribers, each of which may report several names or none', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', async (event) => {
      await sleep(30);
      event.report('queue', 'OK');
      event.report('worker', 'ERROR', 'stalled');
    });
    bus.on('healthcheck', () => {});
    await request(app.callback()).get('/health?checks=all').expect(503, 'ERROR');
  });

  it('isolates a throwing subscriber: it fails under its function name, the others still run', async () => {
    const bus = createHealthBus();
    let healthyRan = false;
    bus.on('healthcheck', function brokenCheck() {
      throw new Error('boom');
    });
    bus.on('healthcheck', (event) => {
      healthyRan = true;
      event.report('db', 'OK');
    });
    bus.on('healthcheck', async () => {
      throw new Error('async boom');
    });
    const result = await runHealthChecks({ bus });
    expect(healthyRan).to.equal(true);
    expect(result.status).to.equal('ERROR');
    expect(result.checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
      ['brokenCheck', 'ERROR', 'boom'],
      ['db', 'OK', ''],
      ['subscriber #3', 'ERROR', 'async boom'],
    ]);
  });

  it('answers by the deadline when a check never settles, failing it and aborting its signal', async () => {
    const { app, bus, logger } = makeApp({ timeout: 200 });
    let aborted: unknown;
    bus.on('healthcheck', (event) => {
      void event.check('hangs', (signal) => {
        signal.addEventListener('abort', () => (aborted = signal.reason));
        return new Promise(() => {});
      });
      event.report('db', 'OK');
    });
    const started = performance.now();
    await request(app.callback()).get('/health?checks=all').expect(503, 'ERROR');
    const elapsed = performance.now() - started;
    // Real time is the point here: it waited for the deadline, and not for the 5 s default.
    expect(elapsed).to.be.at.least(190).and.below(2000);
    expect(aborted).to.be.instanceOf(Error);
    expect(logger.lines).to.deep.include([
      'error',
      'Health response: ERROR (hangs=ERROR "timed out after 200 ms", db=OK)',
    ]);
  });

  it('fails an async subscriber still pending at the deadline: silence is not health', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      bus.on('healthcheck', async function silentCheck() {
        await new Promise(() => {});
      });
      let result: RunResult | undefined;
      const run = runHealthChecks({ bus, timeout: 150 }).then((settled) => (result = settled));
      await clock.tickAsync(149);
      expect(result, 'settled before the deadline').to.equal(undefined);
      await clock.tickAsync(1);
      await run;
      expect(result!.checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
        ['silentCheck', 'ERROR', 'did not finish within 150 ms'],
      ]);
    } finally {
      clock.uninstall();
    }
  });

  it('reports only the check, not also its subscriber, when a subscriber awaits a check that times out', async () => {
    const bus = createHealthBus();
    bus.on('healthcheck', async function dbCheck(event) {
      await event.check('db', () => new Promise(() => {}));
    });
    const result = await runHealthChecks({ bus, timeout: 100 });
    expect(result.checks.map(({ name, message }) => [name, message])).to.deep.equal([['db', 'timed out after 100 ms']]);
  });

  it('runs subscribers concurrently: ten 150 ms checks are all done at 150 ms', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      for (let i = 0; i < 10; i++) {
        bus.on('healthcheck', (event) => event.check(`slow${i}`, () => sleep(150)));
      }
      const run = runHealthChecks({ bus });
      await clock.tickAsync(150);
      const result = await run;
      expect(result.checks.map(({ status }) => status)).to.deep.equal(Array(10).fill('OK'));
      expect(Date.now() - result.startedAt).to.equal(150);
    } finally {
      clock.uninstall();
    }
  });

  it('ignores reports after the deadline, and does not start checks then', async () => {
    const bus = createHealthBus();
    let late: HealthCheckEvent | undefined;
    bus.on('healthcheck', (event) => {
      late = event;
    });
    const result = await runHealthChecks({ bus, timeout: 50 });
    late!.report('late', 'ERROR');
    let started = false;
    await late!.check('later', () => void (started = true));
    expect(late!.checks).to.deep.equal([]);
    expect(started, 'a check started after the deadline').to.equal(false);
    expect(result.status).to.equal('OK');
  });

  it('calls wildcard subscribers too', async () => {
    const bus = createHealthBus();
    bus.on('*', (type, event) => {
      if (type === 'healthcheck') (event as HealthCheckEvent).report('wild', 'NOK');
    });
    expect((await runHealthChecks({ bus })).status).to.equal('ERROR');
  });

  it('subscribes on the shared healthBus by default', async () => {
    const { healthBus, health } = await import('../../src/index.js');
    const Koa = (await import('koa')).default;
    const subscriber = (event: HealthCheckEvent) => event.report('shared', 'NOK');
    healthBus.on('healthcheck', subscriber);
    try {
      const app = new Koa().use(health({ disableFile: false, logger: false }));
      await request(app.callback()).get('/health?checks=all').expect(503);
    } finally {
      healthBus.off('healthcheck', subscriber);
    }
  });
});
