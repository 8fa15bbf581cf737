import { expect } from 'chai';
import request from 'supertest';
import { contextOf } from '../../src/core/index.js';
import { createHealthBus, type HealthBus, outcome, registerCheck, runHealthChecks } from '../../src/index.js';
import { makeApp, recordingLogger } from '../helpers.js';

describe('registerCheck()', () => {
  it('runs the check in every run on the bus, with its options, until unsubscribed', async () => {
    const bus = createHealthBus();
    let calls = 0;
    const unsubscribe = registerCheck(
      'cache',
      () => {
        calls++;
        return false;
      },
      { bus, critical: false, tags: ['ready'] },
    );
    const first = await runHealthChecks({ bus, checks: '@ready', logger: false });
    expect(first.checks[0]).to.include({ name: 'cache', status: 'WARN', critical: false });
    expect(first.checks[0]!.tags).to.deep.equal(['ready']);
    unsubscribe();
    await runHealthChecks({ bus, logger: false });
    expect(calls).to.equal(1);
  });

  it('subscribes to healthBus by default', async () => {
    const unsubscribe = registerCheck('registered-default', () => 'fine');
    try {
      const result = await runHealthChecks({ checks: 'registered-default', logger: false });
      expect(result.checks[0]).to.include({ status: 'OK', message: 'fine' });
    } finally {
      unsubscribe();
    }
  });

  it('throws a TypeError naming what is wrong when called', () => {
    const bus = createHealthBus();
    expect(() => registerCheck('a b', () => true, { bus })).to.throw(TypeError, 'name');
    expect(() => registerCheck('db', 'SELECT 1' as never, { bus })).to.throw(TypeError, 'function');
    expect(() => registerCheck('db', () => true, { bus, timeout: 0 })).to.throw(TypeError, '`timeout`');
    expect(() => registerCheck('db', () => true, { bus, tags: 'ready' as never })).to.throw(TypeError, '`tags`');
    expect(() => registerCheck('db', () => true, { bus: {} as HealthBus })).to.throw(TypeError, 'bus');
  });
});

describe('outcome()', () => {
  it('gives a status, a message and details at once, shown in both JSON formats', async () => {
    const { app, bus } = makeApp();
    registerCheck(
      'disk',
      () => outcome('WARN', '85% full', { observedValue: 0.85, observedUnit: 'ratio', path: '/' }),
      { bus },
    );
    registerCheck('queue', async () => outcome('ERROR', 'stalled', { queued_jobs: 12 }), { bus });
    const json = await request(app.callback()).get('/health?checks=all&format=json').expect(503);
    expect(json.body.components.disk).to.deep.include({
      status: 'WARN',
      status_message: '85% full',
      observedValue: 0.85,
      path: '/',
    });
    expect(json.body.components.queue).to.deep.include({ status: 'ERROR', status_message: 'stalled', queued_jobs: 12 });
    const draft = await request(app.callback()).get('/health?checks=all&format=health%2Bjson').expect(503);
    expect(JSON.parse(draft.text).checks.disk[0]).to.deep.include({
      status: 'warn',
      observedValue: 0.85,
      observedUnit: 'ratio',
      output: '85% full',
    });
  });

  it('keeps the meaning of plain return values', async () => {
    const bus = createHealthBus();
    registerCheck('plain-false', () => false, { bus });
    registerCheck('plain-string', () => 'all good', { bus });
    registerCheck('plain-object', () => ({ status: 'ERROR' }), { bus });
    const { checks } = await runHealthChecks({ bus, logger: false });
    expect(checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
      ['plain-false', 'ERROR', 'check returned false'],
      ['plain-string', 'OK', 'all good'],
      ['plain-object', 'OK', ''],
    ]);
  });
});

describe('one check name registered twice on one bus', () => {
  it('is logged once at warn, naming it; the first registration runs and one result per name comes out', async () => {
    const bus = createHealthBus();
    const logger = recordingLogger();
    const calls: string[] = [];
    registerCheck('database', () => void calls.push('first'), { bus });
    // The same module imported twice, say: it must not break startup.
    registerCheck('database', () => void calls.push('second'), { bus });
    for (let i = 0; i < 3; i++) {
      const result = await runHealthChecks({ bus, logger });
      expect(result.checks.map(({ name }) => name)).to.deep.equal(['database']);
    }
    expect(calls).to.deep.equal(['first', 'first', 'first']);
    expect(logger.lines).to.deep.equal([
      [
        'warn',
        'koa-health: two checks are named "database" on one bus: the first registered runs, the other is ignored',
      ],
    ]);
  });
});

describe('the registry in the bus context', () => {
  it('records each check when registerCheck() is called, before any run; unsubscribing removes it, a second registration does nothing', async () => {
    const bus = createHealthBus();
    const off = registerCheck('database', () => true, { bus, tags: ['ready'], critical: false });
    const again = registerCheck('database', () => false, { bus });
    expect([...contextOf(bus).registered().values()].map(({ name, options }) => ({ name, options }))).to.deep.equal([
      { name: 'database', options: { tags: ['ready'], critical: false } },
    ]);
    // The second registration's function does nothing: the first stays, and so does its listener.
    again();
    expect(contextOf(bus).registered().has('database')).to.equal(true);
    expect((await runHealthChecks({ bus, logger: false })).checks.map(({ status }) => status)).to.deep.equal(['OK']);
    off();
    expect(contextOf(bus).registered().size).to.equal(0);
    expect(bus.all.get('healthcheck') ?? []).to.have.length(0);
  });

  it('frees a name whose listener was taken off the bus: after bus.all.clear() the name registers anew, unwarned', async () => {
    const bus = createHealthBus();
    const logger = recordingLogger();
    registerCheck('database', () => false, { bus });
    bus.all.clear();
    registerCheck('database', () => 'back', { bus });
    const result = await runHealthChecks({ bus, logger });
    expect(result.checks.map(({ name, status, message }) => ({ name, status, message }))).to.deep.equal([
      { name: 'database', status: 'OK', message: 'back' },
    ]);
    expect(logger.lines).to.deep.equal([]);
  });

  it("checks a registered check's options once, when it is registered, never again per run", async () => {
    // Tags that count how often they are read: validation reads every one of them.
    const counted = (): { tags: string[]; reads: () => number } => {
      let reads = 0;
      const tags = new Proxy(['ready', 'db'], {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      return { tags, reads: () => reads };
    };
    const runs = async (bus: HealthBus, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await runHealthChecks({ bus, logger: false });
    };
    const registered = counted();
    const onRegistry = createHealthBus();
    registerCheck('db', () => true, { bus: onRegistry, tags: registered.tags });
    await runs(onRegistry, 1);
    const afterOne = registered.reads();
    await runs(onRegistry, 10);
    const perRegisteredRun = (registered.reads() - afterOne) / 10;
    // The same check given to event.check() in each run: its options are checked in each run.
    const given = counted();
    const plain = createHealthBus();
    plain.on('healthcheck', (event) => void event.check('db', () => true, { tags: given.tags }));
    await runs(plain, 1);
    const afterFirst = given.reads();
    await runs(plain, 10);
    const perPlainRun = (given.reads() - afterFirst) / 10;
    expect(perRegisteredRun).to.be.lessThan(perPlainRun);
  });

  it('keeps the options as they were when registered: changing the tags array afterwards changes nothing', async () => {
    const bus = createHealthBus();
    const tags = ['ready'];
    registerCheck('db', () => true, { bus, tags });
    tags.push('other');
    const result = await runHealthChecks({ bus, checks: '@ready', logger: false });
    expect(result.checks.map(({ name, tags: its }) => `${name} ${its.join(',')}`)).to.deep.equal(['db ready']);
    let refused: unknown;
    await runHealthChecks({ bus, checks: '@other', logger: false }).catch((error: unknown) => (refused = error));
    expect(String(refused)).to.include('unknown check: @other');
  });
});
