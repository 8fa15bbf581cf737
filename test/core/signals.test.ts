import { expect } from 'chai';
import { createHealthBus, runHealthChecks } from '../../src/index.js';
import { fakeClock, sleep } from '../helpers.js';

/** The signal a check function was handed, however it was written. */
type Seen = { signal?: AbortSignal };

describe('check signals', () => {
  it('gives each check function that names a parameter a signal of its own, aborted by its own failure only', async () => {
    const bus = createHealthBus();
    const failing: Seen = {};
    const passing: Seen = {};
    bus.on('healthcheck', (event) => {
      void event.check('failing', (signal) => ((failing.signal = signal), false));
      void event.check('passing', (signal) => ((passing.signal = signal), sleep(5)));
    });
    const result = await runHealthChecks({ bus, logger: false });
    expect(result.checks.map(({ name, status }) => [name, status])).to.deep.equal([
      ['failing', 'ERROR'],
      ['passing', 'OK'],
    ]);
    expect(failing.signal).to.be.instanceOf(AbortSignal).and.not.equal(passing.signal);
    expect(failing.signal!.aborted).to.equal(true);
    expect((failing.signal!.reason as Error).message).to.equal('check returned false');
    expect(passing.signal!.aborted).to.equal(false);
  });

  it("shares the run's signal among functions that name no parameter: one failing does not abort it, the deadline does", async () => {
    const clock = fakeClock();
    try {
      const bus = createHealthBus();
      const seen: Seen[] = [{}, {}, {}];
      bus.on('healthcheck', (event) => {
        // `arguments` reaches the signal without naming it: the one way such a function can use it.
        void event.check('fails at once', function () {
          seen[0]!.signal = arguments[0] as AbortSignal;
          return false;
        });
        void event.check('hangs', function () {
          seen[1]!.signal = arguments[0] as AbortSignal;
          return new Promise(() => {});
        });
        // Its own timeout: a signal of its own, aborted at that timeout.
        void event.check(
          'own timeout',
          function () {
            seen[2]!.signal = arguments[0] as AbortSignal;
            return new Promise(() => {});
          },
          { timeout: 50 },
        );
      });
      const run = runHealthChecks({ bus, timeout: 200, logger: false });
      await clock.tickAsync(0);
      const [fails, hangs, own] = seen.map(({ signal }) => signal!);
      expect(fails).to.be.instanceOf(AbortSignal).and.equal(hangs);
      expect(own).to.be.instanceOf(AbortSignal).and.not.equal(hangs);
      expect(hangs!.aborted, 'another check failing').to.equal(false);
      await clock.tickAsync(50);
      expect(own!.aborted).to.equal(true);
      expect(hangs!.aborted, "another check's own timeout").to.equal(false);
      await clock.tickAsync(150);
      const result = await run;
      expect(hangs!.aborted).to.equal(true);
      expect((hangs!.reason as Error).message).to.equal('timed out after 200 ms');
      expect(result.checks.map(({ name, message }) => [name, message])).to.deep.equal([
        ['fails at once', 'check returned false'],
        ['hangs', 'timed out after 200 ms'],
        ['own timeout', 'timed out after 50 ms'],
      ]);
    } finally {
      clock.uninstall();
    }
  });
});
