import { expect } from 'chai';
import request from 'supertest';
import {
  type CheckResult,
  createHealthBus,
  type HealthBus,
  type HealthChange,
  registerCheck,
  runHealthChecks,
} from '../../src/index.js';
import { fakeClock, makeApp } from '../helpers.js';

/** A check whose outcome the test sets before each run. */
function switchable(): { fn: () => string | false; set(ok: boolean): void } {
  let ok = true;
  return { fn: () => (ok ? 'fine' : false), set: (value) => void (ok = value) };
}

async function runOnce(bus: HealthBus): Promise<CheckResult> {
  return (await runHealthChecks({ bus, logger: false })).checks[0]!;
}

const seen = ({ status, observed, streak, message }: CheckResult): string =>
  `${status}/${observed}×${streak} ${message}`;

describe('failAfter and recoverAfter', () => {
  it('holds a failure at WARN until failAfter failing runs in a row, and an ERROR until recoverAfter passes', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      const check = switchable();
      registerCheck('db', check.fn, { bus, failAfter: 3, recoverAfter: 2 });
      const results: CheckResult[] = [];
      const step = async (ok: boolean): Promise<void> => {
        check.set(ok);
        clock.tick(10_000);
        results.push(await runOnce(bus));
      };
      for (const ok of [true, false, false, true, false, false, false, true, false, true, true, true]) await step(ok);
      expect(results.map(seen)).to.deep.equal([
        'OK/OK×1 fine',
        'WARN/ERROR×1 failing (1 of 3): check returned false',
        'WARN/ERROR×2 failing (2 of 3): check returned false',
        // A pass in between starts the count again.
        'OK/OK×1 fine',
        'WARN/ERROR×1 failing (1 of 3): check returned false',
        'WARN/ERROR×2 failing (2 of 3): check returned false',
        'ERROR/ERROR×3 check returned false',
        'ERROR/OK×1 recovering (1 of 2): fine',
        'ERROR/ERROR×1 check returned false',
        'ERROR/OK×1 recovering (1 of 2): fine',
        'OK/OK×2 fine',
        'OK/OK×3 fine',
      ]);
      // `since` is when the effective status began: the held failures are WARN since the first of them.
      const at = (index: number): number => results[index]!.startedAt + results[index]!.duration;
      expect(results[2]!.since).to.equal(at(1));
      expect(results[6]!.since).to.equal(at(6));
      expect(results[9]!.since).to.equal(at(6));
      expect(results[10]!.since).to.equal(at(10));
    } finally {
      clock.uninstall();
    }
  });

  it('keeps a non-critical check at WARN whatever its count, and the run passing', async () => {
    const bus = createHealthBus();
    registerCheck('cache', () => false, { bus, failAfter: 2, critical: false });
    const first = await runHealthChecks({ bus, logger: false });
    const second = await runHealthChecks({ bus, logger: false });
    expect([first, second].map((run) => `${run.status} ${seen(run.checks[0]!)}`)).to.deep.equal([
      'WARN WARN/ERROR×1 failing (1 of 2): check returned false',
      'WARN WARN/ERROR×2 check returned false',
    ]);
  });

  it('answers 200 through a held failure and 503 once it counts, on the endpoint and at /health/ready', async () => {
    const { app, bus } = makeApp();
    const check = switchable();
    registerCheck('db', check.fn, { bus, failAfter: 2 });
    check.set(false);
    const held = await request(app.callback()).get('/health?checks=all&format=json').expect(200);
    expect(held.body.components.db).to.include({
      status: 'WARN',
      observed: 'ERROR',
      streak: 1,
      status_message: 'failing (1 of 2): check returned false',
    });
    expect(held.body.components.db.since).to.match(/^\d{4}-\d\d-\d\dT/);
    const health = await request(app.callback())
      .get('/health?checks=all')
      .set('Accept', 'application/health+json')
      .expect(503);
    expect(health.body.checks.db[0]).to.include({ status: 'fail', observedStatus: 'fail' });
    await request(app.callback()).get('/health/ready').expect(503);
  });

  it('says in the log line when a failure is being held back', async () => {
    const { app, bus, logger } = makeApp();
    registerCheck('db', () => false, { bus, failAfter: 3 });
    await request(app.callback()).get('/health?checks=all').expect(200);
    expect(logger.lines).to.deep.equal([
      ['warn', 'Health response: WARN (db=WARN "failing (1 of 3): check returned false")'],
    ]);
  });

  it('forgets a check when it is unregistered: registered again, it counts from the start', async () => {
    const bus = createHealthBus();
    const off = registerCheck('db', () => false, { bus, failAfter: 2 });
    await runOnce(bus);
    expect((await runOnce(bus)).status).to.equal('ERROR');
    off();
    registerCheck('db', () => false, { bus, failAfter: 2 });
    expect(seen(await runOnce(bus))).to.equal('WARN/ERROR×1 failing (1 of 2): check returned false');
  });

  it('throws a TypeError naming a wrong rule when registerCheck() or health() is called', () => {
    const bus = createHealthBus();
    const fn = (): boolean => true;
    expect(() => registerCheck('a', fn, { bus, failAfter: 0 })).to.throw(
      TypeError,
      '`failAfter` must be a whole number',
    );
    expect(() => registerCheck('a', fn, { bus, failAfter: 1.5 })).to.throw(TypeError, '`failAfter`');
    expect(() => registerCheck('a', fn, { bus, recoverAfter: '2' as never })).to.throw(TypeError, '`recoverAfter`');
    expect(() => registerCheck('a', fn, { bus, flapping: { changes: 1 } })).to.throw(TypeError, '`flapping.changes`');
    expect(() => registerCheck('a', fn, { bus, flapping: { window: 0 } })).to.throw(TypeError, '`flapping.window`');
    expect(() => registerCheck('a', fn, { bus, flapping: { window: 2 ** 31 } })).to.throw(
      TypeError,
      '`flapping.window`',
    );
    expect(() => registerCheck('a', fn, { bus, flapping: { status: 'NOK' as never } })).to.throw(
      TypeError,
      '`flapping.status`',
    );
    expect(() => registerCheck('a', fn, { bus, flapping: { change: 3 } as never })).to.throw(TypeError, '`change`');
    expect(() => registerCheck('a', fn, { bus, flapping: true as never })).to.throw(TypeError, '`flapping`');
    expect(() => registerCheck('a', fn, { bus, failafter: 3 } as never)).to.throw(
      TypeError,
      '`failafter` is not an option',
    );
    expect(() => makeApp({ flapping: { changes: 1 } })).to.throw(TypeError, 'health(): `flapping.changes`');
    expect(bus.all.get('healthcheck') ?? []).to.have.length(0);
  });
});

describe('flap detection', () => {
  it('holds ERROR from the run that makes `changes` changes within the window, until a whole window passes without one', async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      const check = switchable();
      registerCheck('queue', check.fn, { bus, flapping: { changes: 4, window: 55_000 } });
      const changes: HealthChange[] = [];
      const { app, middleware, logger } = makeApp({ bus });
      bus.on('healthchange', (change) => void changes.push(change));
      const statuses: string[] = [];
      const step = async (ok: boolean): Promise<void> => {
        check.set(ok);
        clock.tick(10_000);
        const { body } = await request(app.callback()).get('/health?checks=all&format=json');
        const db = body.components.queue as { status: string; observed: string; status_message: string };
        statuses.push(`${db.status}/${db.observed} ${db.status_message}`);
      };
      try {
        // Failing every other run: the fourth change starts the flap.
        for (const ok of [true, false, true, false, true]) await step(ok);
        // Still flipping: it holds, with one change said in all.
        for (const ok of [false, true, false, true]) await step(ok);
        // Quiet: OK for a whole window after the last change ends it.
        for (let i = 0; i < 6; i++) await step(true);
      } finally {
        middleware.close();
      }
      expect(statuses.slice(0, 5)).to.deep.equal([
        'OK/OK fine',
        'ERROR/ERROR check returned false',
        'OK/OK fine',
        'ERROR/ERROR check returned false',
        'ERROR/OK flapping: 4 changes in 55 s',
      ]);
      expect(
        statuses.slice(5, 9).every((line) => /^ERROR\/(OK|ERROR) flapping: \d changes in 55 s$/.test(line)),
      ).to.equal(true, statuses.join('\n'));
      // The last change was at run 9; a whole window (55 s) later, at run 15, the flap is over.
      // Fewer changes in the window each run, but the flap holds until the window is quiet.
      expect(statuses.slice(9, 14)).to.deep.equal(
        [5, 4, 3, 2, 1].map((count) => `ERROR/OK flapping: ${count} changes in 55 s`),
      );
      expect(statuses[14]).to.equal('OK/OK fine');
      // One change when the flap starts and one when it ends: never one per flip.
      const queueChanges = changes.flatMap((change) => change.checks.map(({ before, after }) => `${before}->${after}`));
      expect(queueChanges).to.deep.equal(['OK->ERROR', 'ERROR->OK', 'OK->ERROR', 'ERROR->OK']);
      // And one log line each: none while the flap holds.
      expect(logger.lines.map(([level]) => level)).to.deep.equal(['error', 'info', 'error', 'info']);
    } finally {
      clock.uninstall();
    }
  });

  it('keeps changes only under a flapping rule: flips seen without one neither pile up nor count later', async () => {
    const clock = fakeClock();
    try {
      const check = switchable();
      const bus = createHealthBus();
      registerCheck('queue', check.fn, { bus });
      // Without a rule: flipping every run is shown as it is, and nothing is kept for later.
      for (let i = 0; i < 10; i++) {
        check.set(i % 2 === 0);
        clock.tick(1_000);
        await runOnce(bus);
      }
      const { app, middleware } = makeApp({ bus, flapping: { changes: 4, window: 60_000 } });
      try {
        check.set(true);
        clock.tick(1_000);
        const { body } = await request(app.callback()).get('/health?checks=all&format=json');
        // One change seen under the rule, not eleven.
        expect(body.components.queue).to.include({ status: 'OK', status_message: 'fine' });
      } finally {
        middleware.close();
      }
    } finally {
      clock.uninstall();
    }
  });

  it("takes health()'s `flapping` for every check without its own, WARN when asked; `flapping: false` opts out", async () => {
    const clock = fakeClock();
    try {
      const { app, bus, middleware } = makeApp({ flapping: { changes: 2, window: 60_000, status: 'WARN' } });
      const check = switchable();
      bus.on('healthcheck', (event) => void event.check('plain', check.fn));
      registerCheck('own', check.fn, { bus, flapping: false });
      let last: Record<string, { status: string; status_message: string }> = {};
      try {
        for (const ok of [true, false, true]) {
          check.set(ok);
          clock.tick(1_000);
          last = (await request(app.callback()).get('/health?checks=all&format=json')).body.components;
        }
      } finally {
        middleware.close();
      }
      expect(last.plain).to.include({ status: 'WARN', status_message: 'flapping: 2 changes in 60 s' });
      expect(last.own).to.include({ status: 'OK', status_message: 'fine' });
    } finally {
      clock.uninstall();
    }
  });
});
