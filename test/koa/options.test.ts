import { expect } from 'chai';
import { type EnvironmentOptions, environment } from '../../src/environment/index.js';
import { createHealthBus, type HealthOptions, health, type RunOptions, runHealthChecks } from '../../src/index.js';

describe('health() options', () => {
  const bad: Array<[option: string, value: unknown]> = [
    ['path', 'health'],
    ['path', ''],
    ['path', 42],
    ['disableFile', ''],
    ['disableFile', 1],
    ['maintenanceCode', 99],
    ['maintenanceCode', 1000],
    ['maintenanceCode', 299.5],
    ['failureCode', '503'],
    ['timeout', 0],
    ['timeout', -5],
    ['timeout', Infinity],
    ['timeout', Number.NaN],
    ['bus', {}],
    ['bus', { on() {}, off() {}, emit() {} }],
    ['logger', { info() {} }],
    ['logger', true],
    ['cache', 5],
    ['cache', { success: -1 }],
    ['cache', { ttl: 5 }],
    ['refreshInterval', 0],
  ];
  for (const [option, value] of bad) {
    it(`throws a TypeError naming ${option} for ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`, () => {
      expect(() => health({ [option]: value } as HealthOptions)).to.throw(TypeError, option);
    });
  }

  it('throws a TypeError naming an unknown option', () => {
    expect(() => health({ timout: 5 } as HealthOptions)).to.throw(TypeError, 'timout');
  });

  it('accepts every documented option', () => {
    const middleware = health({
      path: '/status/',
      disableFile: false,
      maintenanceCode: 503,
      failureCode: 500,
      timeout: 100,
      logger: false,
      cache: { success: 1000, failure: 100 },
      refreshInterval: false,
    });
    expect(middleware).to.be.a('function');
    expect(middleware.name).to.equal('koaHealth');
    middleware.close();
  });

  it('runHealthChecks() checks its options too', async () => {
    let caught: unknown;
    await runHealthChecks({ timeout: -1 }).catch((error: unknown) => (caught = error));
    expect(caught).to.be.instanceOf(TypeError).with.property('message').that.includes('timeout');
  });
});

describe('options that would fail open or fail later', () => {
  const TOO_LONG = 2_147_483_648;

  it('refuses every number of ms that Node timers cannot hold, naming the option', async () => {
    for (const [option, value] of [
      ['timeout', TOO_LONG],
      ['refreshInterval', TOO_LONG],
      ['cache', { success: TOO_LONG }],
      ['cache', { failure: 1e300 }],
    ] as const) {
      expect(() => health({ [option]: value } as HealthOptions), option).to.throw(TypeError, option);
    }
    expect(() => environment({ timeout: TOO_LONG })).to.throw(TypeError, 'timeout');
    const caught = await runHealthChecks({ timeout: TOO_LONG }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).to.be.instanceOf(TypeError).with.property('message').that.includes('2147483647');
    // The largest value a timer holds is fine.
    health({ timeout: 2_147_483_647, disableFile: false, logger: false }).close();
  });

  it('fails a check whose own timeout a timer cannot hold, rather than timing it out at once', async () => {
    const bus = createHealthBus();
    bus.on('healthcheck', (event) => event.check('slowish', async () => 'fine', { timeout: TOO_LONG }));
    const [check] = (await runHealthChecks({ bus, logger: false })).checks;
    expect(check).to.include({ name: 'slowish', status: 'ERROR' });
    expect(check!.message).to.include('`timeout` must be a number of ms from 1 to 2147483647, got');
  });

  it('refuses a secret that is present but undefined, for health() and environment()', () => {
    const unset = process.env.KOA_HEALTH_UNSET_SECRET;
    expect(() => health({ secret: unset } as HealthOptions)).to.throw(
      TypeError,
      /`secret` must be a string or a function; leave it out .*got undefined/,
    );
    expect(() => environment({ secret: unset } as EnvironmentOptions)).to.throw(
      TypeError,
      /`secret` must be a string or a function; leave it out .*got undefined/,
    );
    // Leaving it out is how to run without one.
    health({ disableFile: false, logger: false }).close();
    environment();
  });

  it('refuses header names and values that would make every answer a 500', () => {
    for (const headers of [
      { MAINTENANCE: { 'Retry After': '120' } },
      { ERROR: { 'X-Reason': 'down\r\nSet-Cookie: evil=1' } },
      { OK: { 'X-Null': 'a\u0000b' } },
      { OK: { '': 'empty name' } },
      { OK: { 'X-Number': 5 } },
    ]) {
      expect(() => health({ headers } as unknown as HealthOptions), JSON.stringify(headers)).to.throw(
        TypeError,
        'headers.',
      );
    }
  });

  it('refuses misspelled options in runHealthChecks() as health() and environment() do', async () => {
    const caught = await runHealthChecks({ timout: 5 } as RunOptions).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).to.be.instanceOf(TypeError).with.property('message').that.includes('`timout` is not an option');
    expect(() => environment({ timout: 5 } as EnvironmentOptions)).to.throw(TypeError, 'timout');
  });

  it('refuses an expect list that is not of check names', () => {
    expect(() => health({ expect: 'db' } as unknown as HealthOptions)).to.throw(TypeError, 'expect');
    expect(() => health({ expect: ['a b'] })).to.throw(TypeError, 'expect');
  });
});

describe('one message form for every wrong option', () => {
  it('names the factory and the option, says what it must be and what it got, for every factory', async () => {
    const { diskCheck, eventLoopCheck, httpCheck, memoryCheck, postgresCheck, redisCheck, tcpCheck } = await import(
      '../../src/checks/index.js'
    );
    const { prometheusMetrics } = await import('../../src/telemetry/prometheus.js');
    const { statsdReporter } = await import('../../src/telemetry/statsd.js');
    const { healthSpanFilter, tracing } = await import('../../src/telemetry/tracing.js');
    const { createServer } = await import('node:http');
    const { discoverChecks, gracefulShutdown, registerCheck } = await import('../../src/index.js');
    const wrong: Array<[string, () => unknown]> = [
      ['health(): `timeout` must be a number of ms from 1 to 2147483647, got -1', () => health({ timeout: -1 })],
      [
        'health(): `maintenanceCode` must be an HTTP status code from 100 to 999, got 42',
        () => health({ maintenanceCode: 42 }),
      ],
      ['health(): `cache.success` must be 0 or a number of ms', () => health({ cache: { success: -5 } })],
      ['health(): `details` must be', () => health({ details: 'sometimes' as never })],
      ['health(): `readiness` must be', () => health({ readiness: 'bad name' })],
      ['environment(): `timeout` must be a number of ms', () => environment({ timeout: Number.NaN })],
      [
        'registerCheck(): `name` must be letters, digits and _ . : -, got "a b"',
        () => registerCheck('a b', () => true),
      ],
      ['gracefulShutdown(): `drainTimeout` must be', () => gracefulShutdown(createServer(), { drainTimeout: -1 })],
      ['gracefulShutdown(): `signals` must be', () => gracefulShutdown(createServer(), { signals: ['SIGKILL'] })],
      ['diskCheck(): `maxUsedRatio` must be a ratio from 0 to 1, got 2', () => diskCheck({ maxUsedRatio: 2 })],
      ['memoryCheck(): `maxHeapUsedRatio` must be', () => memoryCheck({ maxHeapUsedRatio: -1 })],
      ['eventLoopCheck(): `percentile` must be', () => eventLoopCheck({ percentile: 0 })],
      ['tcpCheck(): `port` must be a port from 1 to 65535, got 0', () => tcpCheck('localhost', 0)],
      ['postgresCheck(): `client` must be', () => postgresCheck({} as never)],
      ['redisCheck(): `client` must be', () => redisCheck(null as never)],
      ['httpCheck(): `method` must be', () => httpCheck('http://127.0.0.1/', { method: 'TRACE' })],
      ['prometheusMetrics(): `prefix` must be', () => prometheusMetrics({ prefix: '1bad' })],
      [
        'statsdReporter(): `client` must be a hot-shots StatsD client, got an object',
        () => statsdReporter({ client: {} as never }),
      ],
      ['tracing(): `tracerProvider` must be', () => tracing({ tracerProvider: {} as never })],
      ['healthSpanFilter(): `slowMs` must be', () => healthSpanFilter({ onEnd() {} } as never, { slowMs: -1 })],
    ];
    for (const [message, call] of wrong) expect(call, message).to.throw(TypeError, message);
    // runHealthChecks() and discoverChecks() are async: the same form, as a rejection.
    const run = await runHealthChecks({ timeout: 0 }).catch((error: Error) => error);
    expect(String(run)).to.equal(
      'TypeError: runHealthChecks(): `timeout` must be a number of ms from 1 to 2147483647, got 0',
    );
    const rejected = await discoverChecks('/tmp', { pattern: 'x' as never }).catch((error: Error) => error);
    expect(String(rejected)).to.equal('TypeError: discoverChecks(): `pattern` must be a RegExp, got "x"');
  });

  it('never shows a URL that may hold a password', async () => {
    const { httpCheck } = await import('../../src/checks/index.js');
    expect(() => httpCheck('http://user:hunter2@[bad/')).to.throw(TypeError, 'got a value not shown here');
    try {
      httpCheck('http://user:hunter2@[bad/');
    } catch (error) {
      expect(String(error)).to.not.include('hunter2');
    }
  });
});
