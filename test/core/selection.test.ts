import { expect } from 'chai';
import request from 'supertest';
import { Selection } from '../../src/core/index.js';
import { createHealthBus, type HealthBus, runHealthChecks, SelectionError } from '../../src/index.js';
import { fakeClock, makeApp, sleep } from '../helpers.js';

/** Subscribes db, cache (tagged ready), search (not a default) and a reported name, counting calls. */
function subscribeChecks(bus: HealthBus): Record<string, number> {
  const calls: Record<string, number> = { db: 0, cache: 0, search: 0, disk: 0 };
  bus.on('healthcheck', (event) => {
    void event.check('db', () => void calls.db!++, { tags: ['ready'] });
    void event.check('cache', () => void calls.cache!++, { tags: ['ready', 'fast'] });
    void event.check('search', () => void calls.search!++, { default: false });
    if (event.wants('disk')) {
      calls.disk!++;
      event.report('disk', 'OK');
    }
  });
  return calls;
}

const names = async (bus: HealthBus, checks: string, exclude?: string): Promise<string[]> =>
  (await runHealthChecks({ bus, checks, ...(exclude === undefined ? {} : { exclude }) })).checks.map(
    ({ name }) => name,
  );

describe('check selection', () => {
  it('runs only the named checks, without calling the others', async () => {
    const bus = createHealthBus();
    const calls = subscribeChecks(bus);
    expect(await names(bus, 'db,disk')).to.deep.equal(['db', 'disk']);
    expect(calls).to.deep.equal({ db: 1, cache: 0, search: 0, disk: 1 });
  });

  it('ignores report() of an unrequested name', async () => {
    const bus = createHealthBus();
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('broken', 'ERROR');
    });
    const result = await runHealthChecks({ bus, checks: 'db' });
    expect(result.status).to.equal('OK');
    expect(result.checks.map(({ name }) => name)).to.deep.equal(['db']);
  });

  it('runs _defaults (all but default: false), @tags, and mixes of them', async () => {
    const bus = createHealthBus();
    subscribeChecks(bus);
    expect(await names(bus, '_defaults')).to.deep.equal(['db', 'cache', 'disk']);
    expect(await names(bus, '@ready')).to.deep.equal(['db', 'cache']);
    expect(await names(bus, '@fast,search')).to.deep.equal(['cache', 'search']);
    expect(await names(bus, 'all')).to.deep.equal(['db', 'cache', 'search', 'disk']);
  });

  it('drops excluded names and tags from any selection', async () => {
    const bus = createHealthBus();
    subscribeChecks(bus);
    expect(await names(bus, 'all', 'db,disk')).to.deep.equal(['cache', 'search']);
    expect(await names(bus, '_defaults', '@fast')).to.deep.equal(['db', 'disk']);
  });

  it('takes selection and exclusion from the query, repeated parameters merged', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('cache', 'ERROR');
    });
    await request(app.callback()).get('/health?checks=db').expect(200, 'OK');
    await request(app.callback()).get('/health?checks=cache').expect(503, 'ERROR');
    await request(app.callback()).get('/health?checks=all&exclude=cache').expect(200, 'OK');
    await request(app.callback()).get('/health?checks=db&checks=cache').expect(503, 'ERROR');
  });

  it('answers 400 listing the known names when a requested name or tag has no check', async () => {
    const { app, bus } = makeApp();
    subscribeChecks(bus);
    const res = await request(app.callback()).get('/health?checks=db,nosuch').expect(400);
    expect(res.text).to.equal('unknown check: nosuch (known: cache, db, disk, search)');
    await request(app.callback()).get('/health?checks=@nosuch').expect(400);
    let caught: unknown;
    await runHealthChecks({ bus, checks: 'nosuch' }).catch((error: unknown) => (caught = error));
    expect(caught)
      .to.be.instanceOf(SelectionError)
      .with.property('known')
      .that.deep.equals(['cache', 'db', 'disk', 'search']);
  });

  it('answers 400 for a malformed name', async () => {
    const { app } = makeApp();
    await request(app.callback()).get('/health?checks=db;drop').expect(400);
    await request(app.callback()).get('/health?checks=%3Cscript%3E').expect(400);
  });

  it('gives selections that run the same checks the same key', () => {
    expect(Selection.parse('db,cache')!.key).to.equal(Selection.parse(' cache , db ')!.key);
    expect(Selection.parse('ALL')!.key).to.equal(Selection.all.key);
    expect(Selection.parse('db')!.key).to.not.equal(Selection.parse('db', 'cache')!.key);
    expect(Selection.parse('false')).to.equal(undefined);
  });
});

describe('warnings and criticality', () => {
  it('treats WARN as healthy (200) but shows it and logs it at warn', async () => {
    const { app, bus, logger } = makeApp();
    bus.on('healthcheck', (event) => event.report('disk', 'WARN', '85% full'));
    await request(app.callback()).get('/health?checks=all').expect(200, 'OK');
    expect(logger.lines).to.deep.equal([['warn', 'Health response: WARN (disk=WARN "85% full")']]);
    expect((await runHealthChecks({ bus })).status).to.equal('WARN');
  });

  it('counts the failure of a non-critical check as WARN', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => event.check('cache', () => false, { critical: false }));
    await request(app.callback()).get('/health?checks=all').expect(200, 'OK');
    const result = await runHealthChecks({ bus });
    expect(result.status).to.equal('WARN');
    expect(result.checks[0]).to.include({
      name: 'cache',
      status: 'WARN',
      message: 'check returned false',
      critical: false,
    });
  });

  it('fails a check at its own timeout, below the run deadline, and aborts its signal', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      let aborted = false;
      bus.on('healthcheck', (event) => {
        void event.check(
          'slow',
          (signal) => {
            signal.addEventListener('abort', () => (aborted = true));
            return sleep(1000);
          },
          { timeout: 50 },
        );
        void event.check('quick', () => sleep(100));
      });
      const run = runHealthChecks({ bus, timeout: 2000 });
      await clock.tickAsync(50);
      expect(aborted).to.equal(true);
      await clock.tickAsync(50);
      const result = await run;
      expect(Date.now() - result.startedAt).to.equal(100);
      expect(result.checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
        ['slow', 'ERROR', 'timed out after 50 ms'],
        ['quick', 'OK', ''],
      ]);
    } finally {
      clock.uninstall();
    }
  });
});
