import { expect } from 'chai';
import request from 'supertest';
import { type HealthChange, type RunResult, registerCheck } from '../../src/index.js';
import { fakeClock, makeApp, sleep, until } from '../helpers.js';

describe('shared runs and caching', () => {
  it('runs a check once for 50 simultaneous requests', async () => {
    const { app, bus } = makeApp();
    let runs = 0;
    bus.on('healthcheck', (event) =>
      event.check('counted', async () => {
        runs++;
        await sleep(50);
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    try {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(server)
            .get('/health?checks=all')
            .then((res) => res.status),
        ),
      );
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
    const clock = fakeClock();
    try {
      const { app, bus } = makeApp({ cache: { success: 1200, failure: 0 } });
      let runs = 0;
      bus.on('healthcheck', (event) => {
        runs++;
        event.report('db', 'OK');
      });
      const first = await request(app.callback()).get('/health?checks=all').expect(200);
      expect(first.headers.age).to.equal(undefined);
      await clock.tickAsync(1050);
      const cached = await request(app.callback()).get('/health?checks=all').expect(200);
      expect(cached.headers.age).to.equal('1');
      expect(runs).to.equal(1);
      await clock.tickAsync(200);
      await request(app.callback()).get('/health?checks=all').expect(200);
      expect(runs).to.equal(2);
    } finally {
      clock.uninstall();
    }
  });

  it('caches a failing result for cache.failure ms, apart from success', async () => {
    const clock = fakeClock();
    try {
      const { app, bus } = makeApp({ cache: { success: 5000, failure: 150 } });
      let runs = 0;
      let healthy = false;
      bus.on('healthcheck', (event) => {
        runs++;
        event.report('db', healthy ? 'OK' : 'ERROR');
      });
      await request(app.callback()).get('/health?checks=all').expect(503);
      await clock.tickAsync(149);
      await request(app.callback()).get('/health?checks=all').expect(503);
      expect(runs).to.equal(1);
      healthy = true;
      await clock.tickAsync(51);
      await request(app.callback()).get('/health?checks=all').expect(200);
      expect(runs).to.equal(2);
      healthy = false;
      await clock.tickAsync(200);
      // The healthy result is still fresh: failure's short TTL does not apply to it.
      await request(app.callback()).get('/health?checks=all').expect(200);
      expect(runs).to.equal(2);
    } finally {
      clock.uninstall();
    }
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
    const clock = fakeClock();
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
      // The first run starts a turn after health(), and is under way: a request waits for it rather than starting another.
      await clock.tickAsync(20);
      expect(runs).to.equal(1);
      const first = request(app.callback())
        .get('/health?checks=all')
        .expect(200)
        .then(() => undefined);
      await clock.tickAsync(20);
      await first;
      expect(runs).to.equal(1);
      healthy = false;
      // Answered from the last result, without waiting for a run.
      const stale = await request(app.callback()).get('/health?checks=db').expect(200);
      expect(stale.headers.age).to.equal('0');
      expect(runs).to.equal(1);
      // The next run starts 100 ms after the first ended (at 40), and takes 40 ms.
      await clock.tickAsync(99);
      expect(runs).to.equal(1);
      await clock.tickAsync(1);
      expect(runs).to.equal(2);
      await request(app.callback()).get('/health?checks=all').expect(200);
      await clock.tickAsync(40);
      await request(app.callback()).get('/health?checks=all').expect(503);
      await clock.tickAsync(1000);
      expect(runs).to.equal(2 + Math.floor(1000 / 140));
      middleware.close();
      const afterClose = runs;
      await clock.tickAsync(1000);
      expect(runs).to.equal(afterClose);
      // Closed: requests run their checks on demand again.
      const onDemand = request(app.callback())
        .get('/health?checks=all')
        .expect(503)
        .then(() => undefined);
      await until(() => runs > afterClose);
      await clock.tickAsync(40);
      await onDemand;
      expect(runs).to.equal(afterClose + 1);
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });
});

describe('events out and logging', () => {
  it("emits 'healthresult' after every run with status, checks, durations and start times", async () => {
    const { app, bus } = makeApp();
    const results: RunResult[] = [];
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
    expect(slow.duration).to.be.within(25, 2000);
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
    const { setBounded } = await import('../../src/core/index.js');
    const map = new Map<string, number>();
    for (let i = 0; i < 1000; i++) setBounded(map, `key${i}`, i, 64);
    expect(map.size).to.equal(64);
    expect([...map.keys()][0]).to.equal('key936');
    setBounded(map, 'key936', -1, 64);
    expect([...map.entries()].at(-1)).to.deep.equal(['key936', -1]);
  });

  it('makes each part of a run once for the requests that ask for it, and keeps at most 16 parts of a run', async () => {
    const { createHealthBus } = await import('../../src/index.js');
    const { runHealthChecks, Selection } = await import('../../src/core/index.js');
    const { selectResult } = await import('../../src/core/run.js');
    const bus = createHealthBus();
    registerCheck('a', () => undefined, { bus });
    registerCheck('b', () => undefined, { bus, tags: ['t'] });
    const result = await runHealthChecks({ bus, logger: false });
    const known = new Map([
      ['a', { tags: [], default: true }],
      ['b', { tags: ['t'], default: true }],
    ]);
    const run = { result, known };
    // Two probes waiting for one run, asking for the same part of it: one result, not one each.
    const part = selectResult(run, Selection.parse('a')!);
    expect(part.checks.map(({ name }) => name)).to.deep.equal(['a']);
    expect(selectResult(run, Selection.parse('a')!)).to.equal(part);
    // The whole run is the run's own result.
    expect(selectResult(run, Selection.parse('all')!)).to.equal(result);
    // A run that lives on (cached, refreshed) while a client invents selections keeps only the last 16 parts.
    for (let i = 0; i < 16; i++) selectResult(run, Selection.parse('a', `x${i}`)!, true);
    const again = selectResult(run, Selection.parse('a')!);
    expect(again).to.not.equal(part);
    expect(again).to.deep.equal(part);
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

describe('floods a client can drive', () => {
  it('with one broken subscriber, a new invented name per request is no change: no log line, no healthchange per request', async () => {
    const { app, bus, logger } = makeApp();
    bus.on('healthcheck', function broken() {
      throw new Error('boom');
    });
    bus.on('healthcheck', (event) => event.report('database', 'OK'));
    const changes: HealthChange[] = [];
    bus.on('healthchange', (change) => void changes.push(change));
    for (let i = 0; i < 20; i++) await request(app.callback()).get(`/health?checks=invented${i}`).expect(503);
    expect(changes).to.have.length(1);
    expect(logger.lines.filter(([level]) => level === 'error')).to.have.length(1);
  });

  it('runs the checks once for fifty simultaneous probes with fifty invented exclude= names before any run has finished', async () => {
    const { app, bus } = makeApp();
    let runs = 0;
    bus.on('healthcheck', (event) =>
      event.check('database', async () => {
        runs++;
        await sleep(50);
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    try {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          request(server)
            .get(`/health/ready?exclude=invented${i}`)
            .then((res) => res.status),
        ),
      );
      // 503 STARTING: startup passes only on a run that excludes nothing.
      expect(statuses).to.deep.equal(Array(50).fill(503));
      expect(runs).to.equal(1);
    } finally {
      server.close();
    }
  });
});

describe('invented names after the checks are known', () => {
  it('/ready/<name> for fifty invented names at once runs the subscribers once, and answers each 404', async () => {
    const { app, bus } = makeApp();
    let subscriberRuns = 0;
    // A pyramid_health subscriber that does its work whatever was asked, then reports.
    bus.on('healthcheck', async (event) => {
      subscriberRuns++;
      await sleep(30);
      event.report('database', 'OK');
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      await request(server).get('/health/ready/database').expect(200);
      subscriberRuns = 0;
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          request(server)
            .get(`/health/ready/invented${i}`)
            .then((res) => res.status),
        ),
      );
      expect(statuses).to.deep.equal(Array(50).fill(404));
      expect(subscriberRuns).to.equal(1);
    } finally {
      server.close();
    }
  });
});

describe('the registry, before any run', () => {
  it('knows every registered name: /ready/<unknown> is 404 at once, running nothing; a plain subscriber makes it wait for a run', async () => {
    const { app, bus } = makeApp();
    registerCheck('database', () => true, { bus });
    let runs = 0;
    bus.on('healthresult', () => void runs++);
    await request(app.callback()).get('/health/ready/nope').expect(404, 'unknown check: nope (known: database)');
    await request(app.callback()).get('/health?checks=nope').expect(400, 'unknown check: nope (known: database)');
    expect(runs).to.equal(0);
    // A plain subscriber's names are known only from a run: then the name is looked for in one.
    bus.on('healthcheck', (event) => event.report('queue', 'OK'));
    await request(app.callback()).get('/health/ready/queue').expect(200);
    expect(runs).to.equal(1);
  });
});

describe('a flood behind a dependency that hangs', () => {
  it("answers the requests waiting for one run one per turn of the event loop, the app's own work served between them", async () => {
    const { app, bus } = makeApp({ timeout: 150 });
    registerCheck('db', () => new Promise(() => {}), { bus });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const agent = request.agent(server);
      const answered: number[] = [];
      const between: number[] = [];
      const waiting = Array.from({ length: 100 }, (_, i) =>
        agent
          .get('/health?checks=all')
          .expect(503)
          .then(() => answered.push(i)),
      );
      // The app's own work, as it would come in: a turn of the event loop after each other, all along.
      let serving = true;
      const appWork = (): void => {
        if (!serving) return;
        between.push(answered.length);
        setImmediate(appWork);
      };
      appWork();
      await Promise.all(waiting);
      serving = false;
      // Between the first answer and the last, the app's own work had turns of its own.
      // The app's own work had a turn between nearly every two answers: it never waits behind a burst of them.
      const seen = new Set(between.filter((count) => count > 0 && count < 100));
      expect(seen.size).to.be.at.least(90);
    } finally {
      server.close();
    }
  });

  it('while the next run is under way, answers at once from the last one that ran into its deadline and failed', async () => {
    const { app, bus } = makeApp({ timeout: 200 });
    let hang = true;
    registerCheck('db', () => (hang ? new Promise(() => {}) : true), { bus });
    const agent = request(app.callback());
    const timed = async (): Promise<[number, number]> => {
      const started = performance.now();
      const res = await agent.get('/health?checks=all');
      return [res.status, performance.now() - started];
    };
    // The first run hangs until its deadline.
    const [first, firstMs] = await timed();
    expect([first, firstMs >= 190]).to.deep.equal([503, true]);
    // The next request starts the next run and waits for it; one that comes meanwhile is answered at once.
    const second = timed();
    await sleep(20);
    const [third, thirdMs] = await timed();
    expect(third).to.equal(503);
    expect(thirdMs).to.be.below(100);
    expect((await second)[1]).to.be.at.least(150);
    // The dependency is back: the next run answers, and nothing is held from the hung one any more.
    hang = false;
    const [,] = await timed();
    const [recovered] = await timed();
    expect(recovered).to.equal(200);
  });

  it('never answers from a run that failed quickly: only one that ran into its deadline', async () => {
    const { app, bus } = makeApp({ timeout: 300 });
    let calls = 0;
    registerCheck(
      'db',
      async () => {
        calls++;
        await sleep(60);
        return calls > 1;
      },
      { bus },
    );
    const agent = request(app.callback());
    await agent.get('/health?checks=all').expect(503);
    // A failure that did not hang: the next requests wait for the next run, which passes.
    const [a, b] = await Promise.all([
      agent.get('/health?checks=all'),
      sleep(10).then(() => agent.get('/health?checks=all')),
    ]);
    expect([a.status, b.status]).to.deep.equal([200, 200]);
  });
});
