import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { type HealthOptions, health, registerCheck } from '../../src/index.js';
import { fakeClock, makeApp, tempDir } from '../helpers.js';

function guardedApp(options: HealthOptions = {}) {
  return openApp({ secret: 's3cret-token', ...options });
}

function openApp(options: HealthOptions = {}) {
  const test = makeApp(options);
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
    await request(app.callback())
      .get('/health?checks=all')
      .set('Authorization', 'Bearer s3cret-token-but-longer')
      .expect(401);
    // A single-valued parameter given twice is refused outright, as documented.
    await request(app.callback()).get('/health?checks=all&auth=s3cret-token&auth=s3cret-token').expect(400);
    expect(ran).to.equal(0);
    // The first refusal is logged; the next, within a minute, are counted into the next line.
    expect(logger.lines).to.have.length(1);
    for (const [level, line] of logger.lines) {
      expect(level).to.equal('warn');
      expect(line).to.include('refused a check request').and.not.include('s3cret');
    }
  });

  it('logs a flood of refused requests as one line a minute, counting the rest, never a line per request', async () => {
    const clock = fakeClock();
    try {
      const { app, logger } = guardedApp();
      for (let i = 0; i < 500; i++) await request(app.callback()).get(`/health?checks=all&auth=guess${i}`).expect(401);
      expect(logger.lines).to.have.length(1);
      clock.tick(60_000);
      await request(app.callback()).get('/health?checks=all&auth=again').expect(401);
      expect(logger.lines.map(([, line]) => line.replace(/from \S+/, 'from IP'))).to.deep.equal([
        'koa-health: refused a check request without the right secret from IP',
        'koa-health: refused a check request without the right secret from IP (and 499 more since the last line)',
      ]);
    } finally {
      clock.uninstall();
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
    expect(calls).to.deep.equal([
      [32, 32],
      [32, 32],
    ]);
  });

  it('takes a function for other schemes', async () => {
    const { app } = guardedApp({ secret: (ctx) => ctx.get('X-Internal') === 'yes' });
    await request(app.callback()).get('/health?checks=all').expect(401);
    await request(app.callback()).get('/health?checks=all').set('X-Internal', 'yes').expect(503);
  });

  it('rejects an empty secret or a bad details level when built', () => {
    expect(() => health({ secret: '' })).to.throw(TypeError, 'secret');
    expect(() => health({ details: 'sometimes' as 'never' })).to.throw(TypeError, 'details');
    expect(() => health({ headers: { DOWN: {} } as never })).to.throw(TypeError, 'headers');
    expect(() => health({ format: 'json' as never })).to.throw(TypeError, 'format');
  });
});

describe('detail levels', () => {
  // `secret: false` here builds the app without any secret.
  const components = async (options: Omit<HealthOptions, 'secret'> & { secret?: false }, query: string) => {
    const { secret, ...rest } = options;
    const { app, logger } = secret === false ? openApp(rest) : guardedApp(rest);
    const res = await request(app.callback()).get(`/health?checks=all&format=json${query}`).expect(503);
    // The log has the reasons whatever the response shows.
    expect(logger.lines).to.deep.include(['error', 'Health response: ERROR (db=NOK "refused")']);
    return Object.keys((res.body as { components: object }).components);
  };

  it("'always' is the default without a secret", async () => {
    expect(await components({ secret: false }, '')).to.deep.equal(['db']);
  });

  it("'authorized' is the default with a secret: the authorized caller sees details", async () => {
    expect(await components({}, '&auth=s3cret-token')).to.deep.equal(['db']);
  });

  it("'authorized' without any secret shows nobody the details", async () => {
    expect(await components({ secret: false, details: 'authorized' }, '')).to.deep.equal([]);
  });

  it("'never' shows only the overall status, in both JSON formats", async () => {
    expect(await components({ details: 'never' }, '&auth=s3cret-token')).to.deep.equal([]);
    const { app } = guardedApp({ details: 'never' });
    const res = await request(app.callback())
      .get('/health?checks=all&format=health%2Bjson&auth=s3cret-token')
      .expect(503);
    expect(JSON.parse(res.text)).to.deep.equal({ status: 'fail' });
  });
});

describe('with a secret, nothing unauthenticated names the checks or the host', () => {
  it('the bare endpoint and maintenance in JSON list neither check names nor the hostname without the secret', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      const { app, bus } = makeApp({ secret: 's3cret', disableFile });
      registerCheck('database', () => true, { bus });
      const get = (path: string) => request(app.callback()).get(path);
      await get('/health?checks=all&auth=s3cret').expect(200);
      for (const format of ['json', 'health%2Bjson']) {
        const bare = await get(`/health?format=${format}`).expect(200);
        expect(bare.text).to.not.include('database');
        expect(bare.text).to.not.include(hostname());
      }
      expect((await get('/health?format=json&auth=s3cret')).body).to.include({ hostname: hostname() });
      writeFileSync(disableFile, '');
      const maintenance = await get('/health?format=json').expect(299);
      expect(maintenance.text).to.not.include('database');
      expect(maintenance.text).to.not.include(hostname());
      expect(
        (await get('/health?format=json').set('Authorization', 'Bearer s3cret')).body.available_checks,
      ).to.deep.equal(['database']);
    } finally {
      dir.remove();
    }
  });
});

describe('unknown check names and who may see the others', () => {
  it("lists the known names in a 400 only to a caller who may see details ('never' withholds them)", async () => {
    const hidden = makeApp({ details: 'never' });
    registerCheck('database', () => true, { bus: hidden.bus });
    await request(hidden.app.callback()).get('/health?checks=nope').expect(400, 'unknown check: nope');
    const open = makeApp();
    registerCheck('database', () => true, { bus: open.bus });
    await request(open.app.callback()).get('/health?checks=nope').expect(400, 'unknown check: nope (known: database)');
  });
});
