import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { type CheckResult, createHealthBus, type HealthBus, registerCheck, runHealthChecks } from '../../src/index.js';
import { fakeClock, makeApp, tempDir } from '../helpers.js';

/** A check that counts its calls and passes or fails as the test says. */
function counted(): { fn: () => string | false; calls: () => number; set(ok: boolean): void } {
  let calls = 0;
  let ok = true;
  return {
    fn: () => {
      calls++;
      return ok ? `pass ${calls}` : false;
    },
    calls: () => calls,
    set: (value) => void (ok = value),
  };
}

async function checkOf(bus: HealthBus, timeout = 1000): Promise<CheckResult> {
  return (await runHealthChecks({ bus, timeout, logger: false })).checks[0]!;
}

describe('registerCheck() with an interval', () => {
  it('runs the check on its own timer and answers every request from its last result, running nothing', async () => {
    const clock = fakeClock();
    const { app, bus, middleware } = makeApp();
    try {
      const check = counted();
      registerCheck('db', check.fn, { bus, interval: 10_000, jitter: 0 });
      // Started by health(): the first run is due at once.
      await clock.tickAsync(1);
      expect(check.calls()).to.equal(1);
      const server = app.listen(0, '127.0.0.1');
      try {
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            request(server).get(i % 2 ? '/health/ready' : '/health?checks=all&format=json'),
          ),
        );
        expect(answers.every(({ status }) => status === 200)).to.equal(true);
        expect(answers[0]!.body.components.db.status_message).to.equal('pass 1');
      } finally {
        server.close();
      }
      // Fifty probes, no check run.
      expect(check.calls()).to.equal(1);
      await clock.tickAsync(10_000);
      expect(check.calls()).to.equal(2);
      await clock.tickAsync(4_500);
      // The answer is as old as its oldest result.
      const aged = await request(app.callback()).get('/health?checks=all').expect(200);
      expect(aged.headers.age).to.equal('4');
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });

  it('runs at unhealthyInterval while failing, and counts failAfter by its own runs, not by requests', async () => {
    const clock = fakeClock();
    const { app, bus, middleware } = makeApp();
    try {
      const check = counted();
      check.set(false);
      registerCheck('db', check.fn, { bus, interval: 10_000, unhealthyInterval: 1_000, jitter: 0, failAfter: 2 });
      await clock.tickAsync(1);
      for (let i = 0; i < 5; i++) await request(app.callback()).get('/health?checks=all').expect(200);
      expect((await checkOf(bus)).message).to.equal('failing (1 of 2): check returned false');
      await clock.tickAsync(1_000);
      expect(check.calls()).to.equal(2);
      await request(app.callback()).get('/health?checks=all').expect(503);
      check.set(true);
      await clock.tickAsync(1_000);
      expect(check.calls()).to.equal(3);
      // Healthy again: back to the interval.
      await clock.tickAsync(9_000);
      expect(check.calls()).to.equal(3);
      await clock.tickAsync(1_000);
      expect(check.calls()).to.equal(4);
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });

  it('makes a request wait for the first run, to the deadline at most: never healthy from nothing', async () => {
    const clock = fakeClock();
    const { app, bus, middleware } = makeApp({ timeout: 100 });
    try {
      registerCheck('late', () => 'late but fine', { bus, interval: 60_000, initialDelay: 10_000, jitter: 0 });
      registerCheck('soon', () => 'soon', { bus, interval: 60_000, initialDelay: 50, jitter: 0 });
      const waiting = request(app.callback())
        .get('/health?checks=all&format=json')
        .then((res) => res);
      await clock.tickAsync(200);
      const res = await waiting;
      expect(res.status).to.equal(503);
      expect(res.body.components.late.status_message).to.equal(
        'timed out after 100 ms waiting for the first scheduled run',
      );
      expect(res.body.components.soon).to.include({ status: 'OK', status_message: 'soon' });
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });

  it('serves a result older than staleAfter as ERROR "stale", never the old OK: here the schedule stops in maintenance', async () => {
    const clock = fakeClock();
    const { dir, remove } = tempDir();
    const disableFile = join(dir, 'maintenance');
    const { bus, middleware } = makeApp({ disableFile });
    try {
      const check = counted();
      registerCheck('db', check.fn, { bus, interval: 1_000, staleAfter: 3_000, jitter: 0 });
      const slower = counted();
      registerCheck('slow', slower.fn, { bus, interval: 2_000, jitter: 0, critical: false });
      await clock.tickAsync(1);
      writeFileSync(disableFile, '');
      await clock.tickAsync(2_500);
      expect(check.calls()).to.equal(1);
      expect((await runHealthChecks({ bus, checks: 'db', logger: false })).checks[0]!.status).to.equal('OK');
      await clock.tickAsync(1_500);
      const stale = (await runHealthChecks({ bus, checks: 'db', logger: false })).checks[0]!;
      expect(`${stale.status} ${stale.message}`).to.equal('ERROR stale: last result 4 s ago');
      // Without staleAfter, three intervals: the check every 2 s is stale only past 6 s.
      const slowAt = async (): Promise<string> => {
        const { status, message } = (await runHealthChecks({ bus, checks: 'slow', logger: false })).checks[0]!;
        return `${status} ${message}`;
      };
      expect(await slowAt()).to.equal('OK pass 1');
      await clock.tickAsync(3_500);
      expect(slower.calls()).to.equal(1);
      // A non-critical check's stale result warns.
      expect(await slowAt()).to.equal('WARN stale: last result 7 s ago');
    } finally {
      middleware.close();
      clock.uninstall();
      remove();
    }
  });

  it('runs in maintenance when runInMaintenance is set', async () => {
    const clock = fakeClock();
    const { dir, remove } = tempDir();
    const disableFile = join(dir, 'maintenance');
    writeFileSync(disableFile, '');
    const { bus, middleware } = makeApp({ disableFile });
    try {
      const check = counted();
      registerCheck('db', check.fn, { bus, interval: 1_000, jitter: 0, runInMaintenance: true });
      await clock.tickAsync(2_001);
      expect(check.calls()).to.equal(3);
    } finally {
      middleware.close();
      clock.uninstall();
      remove();
    }
  });

  it('fails a check that throws, rejects with a non-Error or hangs as a request would, one run at a time', async () => {
    const clock = fakeClock();
    const { bus, middleware } = makeApp({ timeout: 500 });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      let hung = 0;
      registerCheck(
        'throws',
        () => {
          throw new Error('sync');
        },
        { bus, interval: 1_000, jitter: 0 },
      );
      registerCheck('rejects', () => Promise.reject(42), { bus, interval: 1_000, jitter: 0 });
      registerCheck(
        'hangs',
        () => {
          hung++;
          return new Promise(() => {});
        },
        { bus, interval: 1_000, jitter: 0 },
      );
      await clock.tickAsync(600);
      const result = await runHealthChecks({ bus, timeout: 500, logger: false });
      expect(result.checks.map(({ name, status, message }) => `${name} ${status} ${message}`)).to.deep.equal([
        'throws ERROR sync',
        'rejects ERROR 42',
        'hangs ERROR timed out after 500 ms',
      ]);
      await clock.tickAsync(3_000);
      expect(hung).to.equal(4);
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      middleware.close();
      clock.uninstall();
    }
  });

  it('stops when the last mount is closed, or when the check is unregistered, and forgets its history', async () => {
    const clock = fakeClock();
    const bus = createHealthBus();
    const first = makeApp({ bus });
    const second = makeApp({ bus, timeout: 1234 });
    try {
      const check = counted();
      const off = registerCheck('db', check.fn, { bus, interval: 1_000, jitter: 0 });
      await clock.tickAsync(1);
      first.middleware.close();
      await clock.tickAsync(1_000);
      expect(check.calls()).to.equal(2);
      second.middleware.close();
      await clock.tickAsync(5_000);
      expect(check.calls()).to.equal(2);
      // runHealthChecks() starts the schedules again, without holding them.
      await checkOf(bus);
      await clock.tickAsync(1);
      expect(check.calls()).to.equal(3);
      off();
      await clock.tickAsync(5_000);
      expect(check.calls()).to.equal(3);
      const again = counted();
      registerCheck('db', again.fn, { bus, interval: 1_000, jitter: 0 });
      await clock.tickAsync(1);
      expect((await checkOf(bus)).streak).to.equal(1);
    } finally {
      first.middleware.close();
      second.middleware.close();
      clock.uninstall();
    }
  });

  it('keeps one timer for the whole bus however many checks are scheduled, and runs those due together at once', async () => {
    const clock = fakeClock();
    const { bus, middleware } = makeApp();
    try {
      const calls: number[] = [];
      for (let i = 0; i < 100; i++) registerCheck(`c${i}`, () => void calls.push(Date.now()), { bus, interval: 1_000 });
      expect(clock.countTimers()).to.equal(1);
      await clock.tickAsync(10_000);
      expect(calls.length).to.be.within(900, 1100);
      // Between runs, one timer waits for the earliest: none per check.
      expect(clock.countTimers()).to.equal(1);
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });

  it('keeps no process alive: an app whose last work is done exits with its checks still scheduled', async function () {
    this.timeout(20_000);
    const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = [
      `import { createHealthBus, health, registerCheck } from ${JSON.stringify(index)};`,
      'const bus = createHealthBus();',
      "registerCheck('db', () => true, { bus, interval: 60_000 });",
      'health({ bus, disableFile: false, logger: false });',
      "setTimeout(() => console.log('done'), 100);",
    ].join('\n');
    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 15_000,
      },
    );
    expect(stdout.trim()).to.equal('done');
    expect(Date.now() - started).to.be.below(15_000);
  });

  it('spreads first runs over the first interval, and brings one forward when a request needs its result', async () => {
    const clock = fakeClock();
    const { bus, middleware } = makeApp();
    try {
      // The second each check made its first run in.
      const perSecond = new Array<number>(10).fill(0);
      for (let i = 0; i < 200; i++) {
        let ran = false;
        const first = (): void => {
          if (!ran) perSecond[Math.floor(Date.now() / 1000)]!++;
          ran = true;
        };
        registerCheck(`c${i}`, first, { bus, interval: 10_000 });
      }
      registerCheck('needed', () => 'here', { bus, interval: 60_000, tags: ['now'] });
      const asked = runHealthChecks({ bus, checks: '@now', timeout: 100, logger: false });
      await clock.tickAsync(200);
      expect((await asked).checks.map(({ status, message }) => `${status} ${message}`)).to.deep.equal(['OK here']);
      await clock.tickAsync(9_800);
      expect(perSecond.reduce((sum, count) => sum + count, 0)).to.equal(200);
      // 20 a second on average: none of the first ten seconds holds the lot.
      expect(Math.max(...perSecond)).to.be.below(60);
    } finally {
      middleware.close();
      clock.uninstall();
    }
  });

  it('throws a TypeError naming a wrong schedule when registerCheck() is called', () => {
    const bus = createHealthBus();
    const fn = (): boolean => true;
    const wrong = (options: object, text: string): void => {
      expect(() => registerCheck('a', fn, { bus, ...options })).to.throw(TypeError, text);
    };
    wrong({ interval: 0 }, '`interval` must be a number of ms from 1 to 2147483647');
    wrong({ interval: 2 ** 31 }, '`interval`');
    wrong({ interval: 1000, jitter: 2 }, '`jitter` must be from 0 to 1');
    wrong({ interval: 1000, staleAfter: 999 }, '`staleAfter`');
    wrong({ interval: 1000, unhealthyInterval: 5000, staleAfter: 2000 }, '`staleAfter`');
    wrong({ interval: 1000, timeout: 1000 }, '`timeout` must be shorter than `interval`');
    wrong({ interval: 1000, initialDelay: -1 }, '`initialDelay`');
    wrong({ interval: 1000, runInMaintenance: 'yes' }, '`runInMaintenance`');
    wrong({ initialDelay: 5 }, '`initialDelay` must be given with `interval` only');
    wrong({ interval: 1000, cache: { success: 1 } }, '`cache` must be left out with `interval`');
    wrong({ cache: { success: -1 } }, '`cache.success`');
    wrong({ cache: { sucess: 1 } }, '`sucess` is not an option');
    expect(bus.all.get('healthcheck') ?? []).to.have.length(0);
  });
});

describe('registerCheck() with a cache of its own', () => {
  it('reuses its own last result for cache.success or cache.failure ms, apart from every other check', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      const cached = counted();
      const plain = counted();
      registerCheck('cached', cached.fn, { bus, cache: { success: 5_000, failure: 1_000 } });
      registerCheck('plain', plain.fn, { bus });
      await checkOf(bus);
      await clock.tickAsync(4_000);
      await checkOf(bus);
      expect([cached.calls(), plain.calls()]).to.deep.equal([1, 2]);
      await clock.tickAsync(1_001);
      cached.set(false);
      await checkOf(bus);
      expect(cached.calls()).to.equal(2);
      await clock.tickAsync(500);
      await checkOf(bus);
      expect(cached.calls()).to.equal(2);
      await clock.tickAsync(501);
      await checkOf(bus);
      expect(cached.calls()).to.equal(3);
    } finally {
      clock.uninstall();
    }
  });
});
