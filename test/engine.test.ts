import { expect } from 'chai';
import request from 'supertest';
import type { HealthChange, HealthResult } from '../src/index.js';
import { makeApp, sleep } from './helpers.js';

describe('shared runs and caching', () => {
  it('runs a check once for 50 simultaneous requests', async () => {
    const { app, bus } = makeApp();
    let runs = 0;
    bus.on('healthcheck', (event) => event.check('counted', async () => {
      runs++;
      await sleep(50);
    }));
    const server = app.listen(0, '127.0.0.1');
    try {
      const statuses = await Promise.all(Array.from({ length: 50 }, () =>
        request(server).get('/health?checks=all').then((res) => res.status)));
      expect(statuses).to.deep.equal(Array(50).fill(200));
      expect(runs).to.equal(1);
      // Once settled, the next request runs again: sharing is not caching.
      await request(server).get('/health?checks=all').expect(200);
      expect(runs).to.equal(2);
    } finally {
      server.close();
    }
  });

  it('caches a healthy result for cache.success ms, with an Age header', async () => {
    const { app, bus } = makeApp({ cache: { success: 1200, failure: 0 } });
    let runs = 0;
    bus.on('healthcheck', (event) => {
      runs++;
      event.report('db', 'OK');
    });
    const first = await request(app.callback()).get('/health?checks=all').expect(200);
    expect(first.headers.age).to.equal(undefined);
    await sleep(1050);
    const cached = await request(app.callback()).get('/health?checks=all').expect(200);
    expect(cached.headers.age).to.equal('1');
    expect(runs).to.equal(1);
    await sleep(200);
    await request(app.callback()).get('/health?checks=all').expect(200);
    expect(runs).to.equal(2);
  });

  it('caches a failing result for cache.failure ms, apart from success', async () => {
    const { app, bus } = makeApp({ cache: { success: 5000, failure: 150 } });
    let runs = 0;
    let healthy = false;
    bus.on('healthcheck', (event) => {
      runs++;
      event.report('db', healthy ? 'OK' : 'ERROR');
    });
    await request(app.callback()).get('/health?checks=all').expect(503);
    await request(app.callback()).get('/health?checks=all').expect(503);
    expect(runs).to.equal(1);
    healthy = true;
    await sleep(200);
    await request(app.callback()).get('/health?checks=all').expect(200);
    expect(runs).to.equal(2);
    healthy = false;
    await sleep(200);
    // The healthy result is still fresh: failure's short TTL does not apply to it.
    await request(app.callback()).get('/health?checks=all').expect(200);
    expect(runs).to.equal(2);
  });

  it('caches per selection', async () => {
    const { app, bus } = makeApp({ cache: { success: 5000, failure: 5000 } });
    const runs: string[] = [];
    bus.on('healthcheck', (event) => {
      for (const name of ['db', 'cache']) {
        if (event.wants(name)) {
          runs.push(name);
          event.report(name, name === 'db' ? 'OK' : 'ERROR');
        }
      }
    });
    await request(app.callback()).get('/health?checks=db').expect(200);
    await request(app.callback()).get('/health?checks=cache').expect(503);
    await request(app.callback()).get('/health?checks=db').expect(200);
    expect(runs).to.deep.equal(['db', 'cache']);
  });

  it('refreshes in the background, answers from the last result, and close() stops it', async () => {
    const { app, bus, middleware } = makeApp({ refreshInterval: 100 });
    let runs = 0;
    let healthy = true;
    bus.on('healthcheck', async (event) => {
      runs++;
      await event.check('db', async () => {
        await sleep(40);
        return healthy;
      });
    });
    try {
      await sleep(20);
      // The first run is under way: a request waits for it rather than starting another.
      await request(app.callback()).get('/health?checks=all').expect(200);
      expect(runs).to.equal(1);
      healthy = false;
      const started = performance.now();
      const stale = await request(app.callback()).get('/health?checks=db').expect(200);
      expect(performance.now() - started).to.be.below(30);
      expect(stale.headers.age).to.equal('0');
      await sleep(250);
      await request(app.callback()).get('/health?checks=all').expect(503);
      expect(runs).to.be.within(2, 4);
      middleware.close();
      const afterClose = runs;
      await sleep(300);
      expect(runs).to.equal(afterClose);
      // Closed: requests run their checks on demand again.
      await request(app.callback()).get('/health?checks=all').expect(503);
      expect(runs).to.equal(afterClose + 1);
    } finally {
      middleware.close();
    }
  });
});

describe('events out and logging', () => {
  it("emits 'healthresult' after every run with status, checks, durations and start times", async () => {
    const { app, bus } = makeApp();
    const results: HealthResult[] = [];
    bus.on('healthresult', (result) => results.push(result));
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      void event.check('slow', () => sleep(30).then(() => 'done'));
    });
    const before = Date.now();
    await request(app.callback()).get('/health?checks=all').expect(200);
    await request(app.callback()).get('/health?checks=all').expect(200);
    expect(results).to.have.length(2);
    const [result] = results;
    expect(result).to.include({ status: 'OK', selection: 'all|' });
    expect(result!.startedAt).to.be.within(before, Date.now());
    expect(result!.duration).to.be.at.least(25);
    const slow = result!.checks.find(({ name }) => name === 'slow')!;
    expect(slow).to.include({ status: 'OK', message: 'done' });
    expect(slow.duration).to.be.within(25, 200);
    expect(slow.startedAt).to.be.within(before, Date.now());
  });

  it("emits 'healthchange' with before and after only when a status changes", async () => {
    const { app, bus } = makeApp();
    const changes: HealthChange[] = [];
    bus.on('healthchange', (change) => changes.push(change));
    let db = 'OK';
    bus.on('healthcheck', (event) => {
      event.report('db', db, db === 'OK' ? '' : 'refused');
      event.report('cache', 'OK');
    });
    const get = () => request(app.callback()).get('/health?checks=all');
    await get();
    expect(changes).to.have.length(0);
    db = 'ERROR';
    await get();
    await get();
    db = 'OK';
    await get();
    expect(changes.map(({ before, after, checks }) => ({ before, after, checks }))).to.deep.equal([
      { before: 'OK', after: 'ERROR', checks: [{ name: 'db', before: 'OK', after: 'ERROR', message: 'refused' }] },
      { before: 'ERROR', after: 'OK', checks: [{ name: 'db', before: 'ERROR', after: 'OK', message: '' }] },
    ]);
    expect(changes[0]!.result.status).to.equal('ERROR');
  });

  it('logs a failing check once when it starts failing and once when it recovers, not per probe', async () => {
    const { app, bus, logger } = makeApp();
    let db = 'OK';
    bus.on('healthcheck', (event) => event.report('db', db, db === 'OK' ? '' : 'refused'));
    const get = () => request(app.callback()).get('/health?checks=all');
    await get();
    db = 'ERROR';
    for (let i = 0; i < 5; i++) await get();
    db = 'TIMEOUT';
    await get();
    db = 'OK';
    for (let i = 0; i < 5; i++) await get();
    expect(logger.lines).to.deep.equal([
      ['error', 'Health response: ERROR (db=ERROR "refused")'],
      ['error', 'Health response: ERROR (db=TIMEOUT "refused")'],
      ['info', 'Health response: OK (recovered: db)'],
    ]);
  });

  it('logs maintenance once on entering and once on leaving', async () => {
    const { tempDir } = await import('./helpers.js');
    const { writeFileSync, unlinkSync } = await import('node:fs');
    const dir = tempDir();
    try {
      const disableFile = `${dir.dir}/down`;
      const { app, logger } = makeApp({ disableFile });
      writeFileSync(disableFile, '');
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health').expect(299);
      unlinkSync(disableFile);
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health').expect(200);
      expect(logger.lines).to.deep.equal([
        ['info', 'Health response: MAINTENANCE'],
        ['info', 'Health response: maintenance is over'],
      ]);
    } finally {
      dir.remove();
    }
  });

  it('keeps answering when a result listener throws, and logs it', async () => {
    const { app, bus, logger } = makeApp();
    bus.on('healthresult', () => {
      throw new Error('listener bug');
    });
    bus.on('healthcheck', (event) => event.report('db', 'OK'));
    await request(app.callback()).get('/health?checks=all').expect(200, 'OK');
    expect(logger.lines).to.deep.equal([['error', "koa-health: a 'healthresult' listener threw: listener bug"]]);
  });
});

describe('state kept per selection', () => {
  it('is bounded: a client inventing selections cannot grow it without end', async () => {
    const { setBounded } = await import('../src/bounded.js');
    const map = new Map<string, number>();
    for (let i = 0; i < 1000; i++) setBounded(map, `key${i}`, i, 64);
    expect(map.size).to.equal(64);
    expect([...map.keys()][0]).to.equal('key936');
    setBounded(map, 'key936', -1, 64);
    expect([...map.entries()].at(-1)).to.deep.equal(['key936', -1]);
  });

  it('keeps tracking check changes across many distinct selections', async () => {
    const { app, bus } = makeApp();
    const changes: HealthChange[] = [];
    bus.on('healthchange', (change) => changes.push(change));
    bus.on('healthcheck', (event) => event.report('db', 'NOK'));
    // Unknown names in exclude are ignored, so each of these is a valid, distinct selection.
    for (let i = 0; i < 100; i++) await request(app.callback()).get(`/health?checks=all&exclude=x${i}`).expect(503);
    // The first made db fail; every later one only saw the overall status of a new selection start as ERROR.
    expect(changes[0]!.checks.map(({ name }) => name)).to.deep.equal(['db']);
    expect(changes.slice(1).every(({ checks }) => checks.length === 0)).to.equal(true);
  });
});
