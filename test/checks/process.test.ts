import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { diskCheck, eventLoopCheck, heartbeatCheck, memoryCheck } from '../../src/checks/index.js';
import {
  type CheckFunction,
  type CheckResult,
  createHealthBus,
  registerCheck,
  runHealthChecks,
} from '../../src/index.js';
import { fakeClock } from '../helpers.js';

async function result(fn: CheckFunction): Promise<CheckResult> {
  const bus = createHealthBus();
  registerCheck('it', fn, { bus });
  return (await runHealthChecks({ bus, timeout: 1000, logger: false })).checks[0]!;
}

describe('diskCheck()', () => {
  it('passes and fails by free bytes and used ratio, with the figures in the details', async () => {
    const ok = await result(diskCheck({ path: '/tmp', minFreeBytes: 1, maxUsedRatio: 1 }));
    expect(ok.status, ok.message).to.equal('OK');
    expect(ok.details).to.include({ observedUnit: 'ratio', path: '/tmp' });
    expect(ok.details!.freeBytes).to.be.a('number').above(0);
    expect((await result(diskCheck({ path: '/tmp', minFreeBytes: Number.MAX_SAFE_INTEGER }))).message).to.match(
      /: below /,
    );
    expect((await result(diskCheck({ path: '/tmp', maxUsedRatio: 0 }))).status).to.equal('ERROR');
    expect((await result(diskCheck({ path: '/no/such/dir' }))).message).to.include('ENOENT');
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => diskCheck({ maxUsedRatio: 1.5 })).to.throw(TypeError, '`maxUsedRatio`');
    expect(() => diskCheck({ minFreeBytes: -1 })).to.throw(TypeError, '`minFreeBytes`');
    expect(() => diskCheck({ path: '' })).to.throw(TypeError, '`path`');
  });
});

describe('memoryCheck()', () => {
  it("judges the heap against V8's heap limit, and the resident set", async () => {
    const ok = await result(memoryCheck({ maxHeapUsedRatio: 0.99, maxRssBytes: 1e15 }));
    expect(ok.status, ok.message).to.equal('OK');
    expect(ok.details!.heapLimit).to.be.above(ok.details!.heapUsed as number);
    expect((await result(memoryCheck({ maxHeapUsedRatio: 0 }))).message).to.match(/heap above 0%$/);
    expect((await result(memoryCheck({ maxHeapUsedBytes: 1 }))).status).to.equal('ERROR');
    expect((await result(memoryCheck({ maxRssBytes: 1 }))).message).to.match(/rss above 1 B$/);
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => memoryCheck({ maxHeapUsedRatio: -0.1 })).to.throw(TypeError, '`maxHeapUsedRatio`');
    expect(() => memoryCheck({ maxRssBytes: Number.NaN })).to.throw(TypeError, '`maxRssBytes`');
  });
});

describe('eventLoopCheck()', () => {
  it('passes an idle loop and fails one blocked on purpose, by its own histogram', async () => {
    const check = eventLoopCheck({ maxDelay: 100, percentile: 99, window: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const idle = await result(check);
    expect(idle.status, idle.message).to.equal('OK');
    // Block the loop for 300 ms, then let the histogram take its sample.
    const until = performance.now() + 300;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const blocked = await result(check);
    expect(blocked.status).to.equal('ERROR');
    expect(blocked.message).to.match(/^event loop delay p99 \d+\.\d ms, \d+\.\d% busy: above 100 ms$/);
    expect(blocked.details!.observedValue).to.be.within(150, 1000);
  });

  it('with maxUtilization, fails a loop busy most of its window though no single delay is long', async () => {
    const check = eventLoopCheck({ maxDelay: 500, maxUtilization: 0.8, window: 400 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const idle = await result(check);
    expect(idle.status, idle.message).to.equal('OK');
    expect(idle.details!.utilization).to.be.below(0.5);
    // Busy 20 ms out of every 21 for 400 ms: short delays, a loop that is nearly never idle.
    const until = performance.now() + 400;
    while (performance.now() < until) {
      const slice = performance.now() + 20;
      while (performance.now() < slice);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const busy = await result(check);
    expect(busy.status, busy.message).to.equal('ERROR');
    expect(busy.message).to.match(/^event loop delay p99 \d+\.\d ms, (8\d|9\d|100)\.\d% busy: busy above 80%$/);
    expect(() => eventLoopCheck({ maxUtilization: 1.2 })).to.throw(TypeError, '`maxUtilization`');
  });

  it('does not keep the process alive', () => {
    const checks = fileURLToPath(new URL('../../dist/checks/index.js', import.meta.url));
    const started = performance.now();
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { eventLoopCheck } = await import(${JSON.stringify(checks)});
      eventLoopCheck({ window: 60000 });
    `,
      ],
      { timeout: 5000 },
    );
    expect(performance.now() - started).to.be.below(4000);
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => eventLoopCheck({ percentile: 0 })).to.throw(TypeError, '`percentile`');
    expect(() => eventLoopCheck({ window: 5 })).to.throw(TypeError, '`window`');
    expect(() => eventLoopCheck({ maxDelay: -1 })).to.throw(TypeError, '`maxDelay`');
  });
});

describe('heartbeatCheck()', () => {
  const summary = ({ status, message }: CheckResult): string => `${status} ${message}`;

  it('waits for the first beat through its grace, then fails; passes for ttl after each beat, then fails saying how long', async () => {
    const clock = fakeClock();
    try {
      const worker = heartbeatCheck({ ttl: 60_000, grace: 30_000 });
      expect(summary(await result(worker))).to.equal('WARN waiting for the first heartbeat (grace 30 s)');
      clock.tick(30_001);
      expect(summary(await result(worker))).to.equal('ERROR no heartbeat yet');
      worker.beat();
      clock.tick(5_000);
      expect(summary(await result(worker))).to.equal('OK last heartbeat 5 s ago');
      worker.beat('42 jobs done');
      clock.tick(60_000);
      const stillAlive = await result(worker);
      expect(summary(stillAlive)).to.equal('OK 42 jobs done');
      expect(stillAlive.details).to.include({ observedValue: 60_000, observedUnit: 'ms' });
      clock.tick(2_000);
      expect(summary(await result(worker))).to.equal('ERROR no heartbeat for 62 s (ttl 60 s)');
      worker.beat('back');
      expect(summary(await result(worker))).to.equal('OK back');
    } finally {
      clock.uninstall();
    }
  });

  it('fails with what fail() said until the next beat, before the first beat too; grace defaults to the ttl', async () => {
    const clock = fakeClock();
    try {
      const worker = heartbeatCheck({ ttl: 1_000 });
      clock.tick(999);
      expect((await result(worker)).status).to.equal('WARN');
      worker.fail('cannot reach the queue');
      expect(summary(await result(worker))).to.equal('ERROR cannot reach the queue');
      worker.beat();
      expect(summary(await result(worker))).to.equal('OK last heartbeat 0 ms ago');
      worker.fail('again');
      clock.tick(10);
      expect(summary(await result(worker))).to.equal('ERROR again');
      clock.tick(1_000);
      expect(summary(await result(worker))).to.equal('ERROR again');
    } finally {
      clock.uninstall();
    }
  });

  it('takes anything as a message without throwing, and fails with it as text', async () => {
    const worker = heartbeatCheck({ ttl: 60_000 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile = {
      get message(): string {
        throw new Error('no');
      },
    };
    for (const message of [cyclic, hostile, 10n, Symbol('s'), null, 'line\r\nforged']) {
      expect(() => worker.beat(message)).not.to.throw();
      expect(() => worker.fail(message)).not.to.throw();
      const failed = await result(worker);
      expect(failed.status).to.equal('ERROR');
      expect(failed.message).to.be.a('string').and.not.equal('');
    }
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => heartbeatCheck(undefined as never)).to.throw(
      TypeError,
      'heartbeatCheck(): the options must be an object',
    );
    expect(() => heartbeatCheck({} as never)).to.throw(TypeError, '`ttl`');
    expect(() => heartbeatCheck({ ttl: 0 })).to.throw(TypeError, '`ttl`');
    expect(() => heartbeatCheck({ ttl: 2 ** 31 })).to.throw(TypeError, '`ttl`');
    expect(() => heartbeatCheck({ ttl: 1000, grace: -1 })).to.throw(TypeError, '`grace`');
    expect(() => heartbeatCheck({ ttl: 1000, interval: 5 } as never)).to.throw(
      TypeError,
      '`interval` is not an option',
    );
  });
});
