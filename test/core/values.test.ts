import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { environment } from '../../src/environment/index.js';
import { createHealthBus, runHealthChecks } from '../../src/index.js';
import { makeApp } from '../helpers.js';

/** Values that String() or JSON.stringify() cannot turn into text. */
function hostile(): Record<string, unknown> {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  return {
    nullPrototype: Object.create(null) as object,
    throwingToString: {
      toString() {
        throw new Error('no text for you');
      },
    },
    throwingMessage: Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('no message');
      },
    }),
    bigint: 10n,
    circular,
    symbol: Symbol('s'),
  };
}

describe('values that cannot be turned into text', () => {
  it('turns anything a check throws or rejects with into a failed result with a readable message', async () => {
    const bus = createHealthBus();
    const values = hostile();
    bus.on('healthcheck', (event) => {
      for (const [name, value] of Object.entries(values)) {
        void event.check(`throws-${name}`, () => {
          throw value;
        });
        void event.check(`rejects-${name}`, () => Promise.reject(value));
      }
      void event.check('plain-with-message', () => Promise.reject({ message: 'pool exhausted', code: 'E1' }));
      void event.check('plain-object', () => Promise.reject({ code: 'ECONNREFUSED', port: 5432 }));
    });
    const result = await runHealthChecks({ bus, logger: false });
    const messages = Object.fromEntries(
      result.checks.map(({ name, status, message }) => {
        expect(status, name).to.equal('ERROR');
        expect(message, name).to.be.a('string').and.not.equal('[object Object]');
        return [name, message];
      }),
    );
    expect(messages['plain-with-message']).to.equal('pool exhausted');
    expect(messages['plain-object']).to.equal('{"code":"ECONNREFUSED","port":5432}');
    expect(messages['throws-bigint']).to.equal('10');
    expect(messages['throws-symbol']).to.equal('Symbol(s)');
    expect(messages['throws-circular']).to.equal('{"name":"loop","self":"[Circular]"}');
    expect(messages['rejects-throwingMessage']).to.equal('unreadable value');
  });

  it('turns a subscriber that throws such a value into a failed result, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const bus = createHealthBus();
      bus.on('healthcheck', function syncThrow() {
        throw Object.create(null);
      });
      bus.on('healthcheck', async function asyncThrow() {
        throw {
          toString: () => {
            throw new Error('nope');
          },
        };
      });
      const { app } = makeApp({ bus });
      await request(app.callback()).get('/health?checks=all&format=json').expect(503);
      const result = await runHealthChecks({ bus, logger: false });
      expect(result.checks.map(({ name, message }) => [name, message])).to.deep.equal([
        ['syncThrow', '{}'],
        ['asyncThrow', '{"toString":"[Function]"}'],
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('writes reports with such messages and details safely in every format and in the log line', async () => {
    const { app, bus, logger } = makeApp();
    const { bigint, circular, throwingToString } = hostile();
    bus.on('healthcheck', (event) => {
      event.report('queue', 'ERROR', throwingToString as string, { big: bigint, loop: circular, observedValue: 3n });
      event.report('cache', 'NOK', circular as unknown as string, bigint as unknown as Record<string, unknown>);
      event.report('weird', { status: 'odd' } as unknown as string, 42 as unknown as string);
    });
    for (const format of ['text', 'json', 'health+json']) {
      const res = await request(app.callback())
        .get(`/health?checks=all&format=${encodeURIComponent(format)}`)
        .expect(503);
      if (format !== 'text') JSON.parse(res.text);
    }
    const json = await request(app.callback()).get('/health?checks=all&format=json').expect(503);
    const components = (json.body as { components: Record<string, Record<string, unknown>> }).components;
    expect(components.queue).to.deep.include({
      big: '[BigInt]',
      loop: { name: 'loop', self: '[Circular]' },
      status: 'ERROR',
    });
    expect(components.queue!.status_message).to.match(/^\{/);
    expect(components.cache).to.deep.include({
      details: '[BigInt]',
      status_message: '{"name":"loop","self":"[Circular]"}',
    });
    expect(components.weird).to.include({ status: 'ERROR', status_message: '42' });
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]![1]).to.match(
      /^Health response: ERROR \(queue=ERROR ".*", cache=NOK ".*", weird=ERROR "42"\)$/,
    );
  });

  it('shows an environment section that throws such a value, or returns one, as an error or markers', async () => {
    const middleware = environment({
      include: { os: false, node: false, process: false, config: false },
      sections: {
        thrower: () => {
          throw Object.create(null);
        },
        rejecter: () =>
          Promise.reject({
            toString() {
              throw new Error('x');
            },
          }),
        values: () => ({ big: 1n, ...hostile() }),
      },
    });
    const app = new Koa().use(middleware);
    const res = await request(app.callback()).get('/environment').expect(200);
    const body = JSON.parse(res.text) as Record<string, Record<string, unknown>>;
    expect(body.thrower).to.deep.equal({ error: '{}' });
    expect(body.rejecter).to.deep.equal({ error: '{"toString":"[Function]"}' });
    expect(body.values).to.deep.include({ big: '[BigInt]', bigint: '[BigInt]', symbol: '[Symbol]' });
  });

  it('gives check() with a non-function, or with bad options, a clear failed result', async () => {
    const bus = createHealthBus();
    bus.on('healthcheck', async (event) => {
      await event.check('not-a-function', 'SELECT 1' as never);
      await event.check('bad-tags', () => true, { tags: 'ready' as never });
      await event.check('bad-timeout', () => true, { timeout: 3_000_000_000 });
      await event.check('null-options', () => true, null as never);
    });
    const { checks } = await runHealthChecks({ bus, timeout: 1000, logger: false });
    expect(checks.map(({ name, status, message }) => [name, status, message])).to.deep.equal([
      ['not-a-function', 'ERROR', 'check() needs a function'],
      ['bad-tags', 'ERROR', 'invalid check options: `tags` must be a list of strings, got "ready"'],
      [
        'bad-timeout',
        'ERROR',
        'invalid check options: `timeout` must be a number of ms from 1 to 2147483647, got 3000000000',
      ],
      ['null-options', 'ERROR', 'invalid check options: the options must be an object, got null'],
    ]);
  });
});
