import { expect } from 'chai';
import {
  type CheckFunction,
  type CheckResult,
  createHealthBus,
  registerCheck,
  runHealthChecks,
} from '../../src/index.js';
import { FaultProxy } from './proxy.js';
import { requireService, type Service } from './services.js';

/** What the shared fault suite needs to know of one server check. */
export interface ServerCheck<Client extends object> {
  readonly service: Service;
  /** A client of the real driver, connected through the proxy's port. */
  connect(port: number): Promise<Client>;
  /** The check under test. */
  check(client: Client): CheckFunction;
  /** A client like `client` whose probe calls are counted. */
  counting(client: Client, calls: { count: number }): Client;
  /** Whatever the test holds (every pool client), released by the returned function; `undefined` when not a pool. */
  saturate?(client: Client): Promise<() => void>;
  /** What the fail-fast message says when the server refuses connections. */
  readonly refused: RegExp;
  close(client: Client): Promise<void>;
}

const TIMEOUT = 300;

/** Runs one check in a run of its own; the result, how long it took, and whether its signal was aborted. */
async function runOnce(fn: CheckFunction): Promise<{ result: CheckResult; elapsed: number; aborted: boolean }> {
  const bus = createHealthBus();
  let signal: AbortSignal | undefined;
  registerCheck(
    'server',
    (given) => {
      signal = given;
      return fn(given);
    },
    { bus },
  );
  const started = performance.now();
  const { checks } = await runHealthChecks({ bus, timeout: TIMEOUT, logger: false });
  return { result: checks[0]!, elapsed: performance.now() - started, aborted: signal?.aborted === true };
}

/** Healthy, refusing, black-holed, saturated, recovered, and fifty runs at once, on the real server behind a proxy. */
export function serverCheckSuite<Client extends object>(title: string, spec: ServerCheck<Client>): void {
  describe(title, function () {
    this.timeout(20_000);
    let proxy: FaultProxy;
    let client: Client;

    before(async function () {
      await requireService(this, spec.service);
      proxy = await FaultProxy.start(spec.service.port);
      client = await spec.connect(proxy.port);
    });

    after(async () => {
      if (client) await spec.close(client);
      await proxy?.close();
    });

    afterEach(async () => {
      await proxy.restore();
      // Let the driver notice the cut connections and come back before the next test.
      for (let tries = 0; tries < 50 && (await runOnce(spec.check(client))).result.status !== 'OK'; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    it('passes against a healthy server', async () => {
      const { result } = await runOnce(spec.check(client));
      expect(result.status, result.message).to.equal('OK');
    });

    it('fails fast, with the reason, while the server refuses connections', async () => {
      await proxy.refuse();
      // The driver learns its open connections were cut, as it would from a server going away.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { result, elapsed } = await runOnce(spec.check(client));
      expect(result.status).to.equal('ERROR');
      expect(result.message).to.match(spec.refused);
      expect(elapsed).to.be.below(TIMEOUT);
    });

    it('fails within its timeout + 50 ms, signal aborted, while the server is black-holed', async () => {
      proxy.blackhole();
      const { result, elapsed, aborted } = await runOnce(spec.check(client));
      expect(result).to.include({ status: 'ERROR', message: `timed out after ${TIMEOUT} ms` });
      expect(elapsed).to.be.below(TIMEOUT + 50);
      expect(aborted).to.equal(true);
      // The next run does not stack a second probe behind the stuck one.
      const again = await runOnce(spec.check(client));
      expect(again.result.message).to.match(/^previous probe still running \(\d+ ms\)$/);
      expect(again.elapsed).to.be.below(50);
    });

    if (spec.saturate) {
      it('fails at once when the pool is saturated, without queueing a query', async () => {
        const release = await spec.saturate!(client);
        try {
          const calls = { count: 0 };
          const { result, elapsed } = await runOnce(spec.check(spec.counting(client, calls)));
          expect(result.status).to.equal('ERROR');
          expect(result.message).to.match(/^pool saturated: \d+ waiting$/);
          expect(result.details).to.include({ idleCount: 0 });
          expect(elapsed).to.be.below(50);
          expect(calls.count).to.equal(0);
        } finally {
          release();
        }
      });
    }

    it('recovers once the fault is lifted: OK on the next run, nothing left queued', async () => {
      proxy.blackhole();
      expect((await runOnce(spec.check(client))).result.status).to.equal('ERROR');
      await proxy.restore();
      let result: CheckResult | undefined;
      for (let tries = 0; tries < 50; tries++) {
        result = (await runOnce(spec.check(client))).result;
        if (result.status === 'OK') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(result!.status, result!.message).to.equal('OK');
      if (result!.details !== undefined && 'waitingCount' in result!.details)
        expect(result!.details.waitingCount).to.equal(0);
    });

    it('starts one probe for fifty runs at once', async () => {
      const calls = { count: 0 };
      const fn = spec.check(spec.counting(client, calls));
      const results = await Promise.all(Array.from({ length: 50 }, () => fn(new AbortController().signal)));
      expect(results).to.have.length(50);
      expect(calls.count).to.equal(1);
    });
  });
}
