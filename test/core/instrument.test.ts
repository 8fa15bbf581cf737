import { expect } from 'chai';
import {
  type CheckResult,
  createHealthBus,
  instrument,
  type RunResult,
  registerCheck,
  runHealthChecks,
} from '../../src/index.js';

describe("instrument(): the engine's instrumentation point", () => {
  it('sees each run start and end, each request that waits on it, and each check call with its result', async () => {
    const bus = createHealthBus();
    const seen: string[] = [];
    const remove = instrument(bus, {
      runStarted({ selection }) {
        seen.push(`run ${selection}`);
        return {
          joined: () => void seen.push('joined'),
          check({ name }, call) {
            seen.push(`call ${name}`);
            call();
            return (result: CheckResult) => void seen.push(`ended ${name} ${result.status}`);
          },
          ended: (result: RunResult) => void seen.push(`end ${result.status}`),
        };
      },
    });
    registerCheck('db', () => false, { bus });
    await runHealthChecks({ bus, logger: false });
    expect(seen).to.deep.equal(['run all|', 'joined', 'call db', 'ended db ERROR', 'end ERROR']);
    remove();
    await runHealthChecks({ bus, logger: false });
    expect(seen).to.have.length(5);
  });

  it('calls each check function exactly once, and a broken instrumentation changes nothing', async () => {
    const bus = createHealthBus();
    instrument(bus, {
      runStarted: () => {
        throw new Error('broken start');
      },
    });
    instrument(bus, {
      runStarted: () => ({
        check: (_check, call) => {
          call();
          call();
          throw new Error('broken check');
        },
      }),
    });
    instrument(bus, {
      runStarted: () => ({
        check: () => undefined,
        ended: () => {
          throw new Error('broken end');
        },
      }),
    });
    let calls = 0;
    registerCheck('counted', () => (calls++, 'ran'), { bus });
    registerCheck(
      'throws',
      () => {
        throw new RangeError('sync');
      },
      { bus },
    );
    const result = await runHealthChecks({ bus, logger: false });
    expect(calls).to.equal(1);
    expect(result.checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
      ['counted', 'OK', 'ran'],
      ['throws', 'ERROR', 'sync'],
    ]);
  });
});
