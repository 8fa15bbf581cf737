import { expect } from 'chai';
import { health, runHealthChecks, type HealthOptions } from '../../src/index.js';

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
    it(`throws a TypeError naming ${option} for ${typeof value === "number" ? String(value) : JSON.stringify(value)}`, () => {
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
