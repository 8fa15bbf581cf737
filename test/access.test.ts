import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { health } from '../src/index.js';
import { makeApp } from './helpers.js';

function guardedApp(options: Parameters<typeof makeApp>[0] = {}) {
  const test = makeApp({ secret: 's3cret-token', ...options });
  test.bus.on('healthcheck', (event) => event.report('db', 'NOK', 'refused'));
  return test;
}

describe('access control', () => {
  it('needs the secret to run checks: 401 without or with a wrong one, logged without the secret', async () => {
    const { app, bus, logger } = guardedApp();
    let ran = 0;
    bus.on('healthcheck', () => void ran++);
    const missing = await request(app.callback()).get('/health?checks=all').expect(401);
    expect(missing.text).to.equal('unauthorized');
    expect(missing.headers['www-authenticate']).to.equal('Bearer');
    await request(app.callback()).get('/health?checks=all&auth=wrong').expect(401);
    await request(app.callback()).get('/health?checks=all').set('Authorization', 'Bearer s3cret-token-but-longer').expect(401);
    // A single-valued parameter given twice is refused outright, as documented.
    await request(app.callback()).get('/health?checks=all&auth=s3cret-token&auth=s3cret-token').expect(400);
    expect(ran).to.equal(0);
    expect(logger.lines).to.have.length(3);
    for (const [level, line] of logger.lines) {
      expect(level).to.equal('warn');
      expect(line).to.include('refused a check request').and.not.include('s3cret');
    }
  });

  it('accepts the secret as ?auth=, as a Bearer token, and in a POST body', async () => {
    const { app } = guardedApp();
    await request(app.callback()).get('/health?checks=all&auth=s3cret-token').expect(503, 'ERROR');
    await request(app.callback()).get('/health?checks=all').set('Authorization', 'Bearer s3cret-token').expect(503);
    await request(app.callback()).post('/health').send({ checks: 'all', auth: 's3cret-token' }).expect(503);
    await request(app.callback()).post('/health').type('form').send('checks=all&auth=nope').expect(401);
  });

  it('keeps the bare endpoint and /ping public', async () => {
    const { app } = guardedApp();
    await request(app.callback()).get('/health').expect(200, 'OK');
    await request(app.callback()).get('/health?checks=false').expect(200, 'OK');
    await request(app.callback()).get('/health/ping').expect(200, 'pong');
  });

  it('compares the secret with crypto.timingSafeEqual on equal-length buffers', async () => {
    const { app } = guardedApp();
    const original = crypto.timingSafeEqual;
    const calls: Array<[number, number]> = [];
    crypto.timingSafeEqual = (a, b) => {
      calls.push([a.byteLength, b.byteLength]);
      return original(a, b);
    };
    try {
      await request(app.callback()).get('/health?checks=all&auth=short').expect(401);
      await request(app.callback()).get('/health?checks=all&auth=s3cret-token').expect(503);
    } finally {
      crypto.timingSafeEqual = original;
    }
    expect(calls).to.deep.equal([[32, 32], [32, 32]]);
  });

  it('takes a function for other schemes', async () => {
    const { app } = guardedApp({ secret: (ctx) => ctx.get('X-Internal') === 'yes' });
    await request(app.callback()).get('/health?checks=all').expect(401);
    await request(app.callback()).get('/health?checks=all').set('X-Internal', 'yes').expect(503);
  });

  it('rejects an empty secret or a bad details level when built', () => {
    expect(() => health({ secret: '' })).to.throw(TypeError, 'secret');
    expect(() => health({ details: 'sometimes' as 'never' })).to.throw(TypeError, 'details');
    expect(() => health({ headers: { BROKEN: {} } as never })).to.throw(TypeError, 'headers');
    expect(() => health({ format: 'json' as never })).to.throw(TypeError, 'format');
  });
});

describe('detail levels', () => {
  const components = async (options: Parameters<typeof makeApp>[0], query: string) => {
    const { app, logger } = guardedApp(options);
    const res = await request(app.callback()).get(`/health?checks=all&format=json${query}`).expect(503);
    // The log has the reasons whatever the response shows.
    expect(logger.lines).to.deep.include(['error', 'Health response: ERROR (db=NOK "refused")']);
    return Object.keys((res.body as { components: object }).components);
  };

  it("'always' is the default without a secret", async () => {
    expect(await components({ secret: undefined }, '')).to.deep.equal(['db']);
  });

  it("'authorized' is the default with a secret: the authorized caller sees details", async () => {
    expect(await components({}, '&auth=s3cret-token')).to.deep.equal(['db']);
  });

  it("'authorized' without any secret shows nobody the details", async () => {
    expect(await components({ secret: undefined, details: 'authorized' }, '')).to.deep.equal([]);
  });

  it("'never' shows only the overall status, in both JSON formats", async () => {
    expect(await components({ details: 'never' }, '&auth=s3cret-token')).to.deep.equal([]);
    const { app } = guardedApp({ details: 'never' });
    const res = await request(app.callback()).get('/health?checks=all&format=health%2Bjson&auth=s3cret-token').expect(503);
    expect(JSON.parse(res.text)).to.deep.equal({ status: 'fail' });
  });
});

describe('bad input', () => {
  it('answers a query string over 2 KB with 414', async () => {
    const { app } = makeApp();
    await request(app.callback()).get(`/health?checks=${'a'.repeat(2100)}`).expect(414);
  });

  it('answers a body parameter over 2 KB with 400, and an oversized body with 413', async () => {
    const { app } = makeApp();
    await request(app.callback()).post('/health').send({ checks: 'a'.repeat(2100) }).expect(400);
    await request(app.callback()).post('/health').send({ checks: 'all', pad: 'x'.repeat(20_000) }).expect(413);
  });

  it('answers malformed JSON and form bodies with 4xx, never 500', async () => {
    const { app } = makeApp();
    await request(app.callback()).post('/health').type('json').send('{"checks": all}').expect(400, 'malformed request body');
    // A form body that claims a compression it does not have.
    await request(app.callback()).post('/health').type('form').set('Content-Encoding', 'gzip').send('checks=all')
      .expect(400, 'malformed request body');
    await request(app.callback()).post('/health').type('form').set('Content-Encoding', 'klingon').send('checks=all')
      .expect(415);
    await request(app.callback()).post('/health').send({ checks: [1, 2] }).expect(400);
  });

  it('merges repeated list parameters and refuses repeated single ones', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('cache', 'NOK');
    });
    await request(app.callback()).get('/health?checks=db&checks=cache&exclude=cache').expect(200);
    await request(app.callback()).get('/health?checks=all&exclude=db&exclude=cache').expect(200);
    await request(app.callback()).get('/health?format=json&format=json').expect(400);
  });

  it('answers names outside [A-Za-z0-9_.:-] with 400', async () => {
    const { app } = makeApp();
    for (const name of ['db%20x', 'a/b', '%C3%A9', '@bad*tag']) {
      await request(app.callback()).get(`/health?checks=${name}`).expect(400);
    }
    await request(app.callback()).get('/health?checks=all&exclude=x%3By').expect(400);
  });
});
