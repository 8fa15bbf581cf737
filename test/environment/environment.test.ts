import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { type EnvironmentOptions, environment, MASK } from '../../src/environment/index.js';
import { sleep, tempDir, urlParsed } from '../helpers.js';

function appWith(options: EnvironmentOptions = {}) {
  const middleware = environment(options);
  const app = new Koa().use(middleware).use((ctx) => {
    ctx.body = 'downstream';
  });
  return { app, middleware };
}

async function dump(options: EnvironmentOptions = {}): Promise<{ body: Record<string, any>; text: string }> {
  const res = await request(appWith(options).app.callback()).get('/environment').expect(200);
  expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
  return { body: JSON.parse(res.text) as Record<string, any>, text: res.text };
}

describe('environment()', () => {
  it('answers JSON at /environment with no-store, GET and HEAD only, other paths untouched', async () => {
    const { app } = appWith();
    const res = await request(app.callback()).get('/environment/').expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    await request(app.callback()).head('/environment').expect(200);
    const post = await request(app.callback()).post('/environment').expect(405);
    expect(post.headers.allow).to.equal('GET, HEAD');
    await request(app.callback()).get('/other').expect(200, 'downstream');
  });

  it('turns other paths away on the raw URL, before Koa parses it', async () => {
    const app = new Koa().use(environment()).use((ctx) => {
      ctx.body = urlParsed(ctx) ? 'parsed' : 'unparsed';
    });
    await request(app.callback()).get('/other?x=1').expect(200, 'unparsed');
    await request(app.callback()).get('/environmental').expect(200, 'parsed');
  });

  it('shows the os section', async () => {
    const { body } = await dump();
    expect(body.os).to.include({
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      hostname: os.hostname(),
    });
    expect(body.os.uptime).to.be.a('number');
    expect(body.os.loadavg).to.have.length(3);
    expect(body.os.totalmem).to.equal(os.totalmem());
    expect(body.os.freemem).to.be.a('number');
    expect(body.os.cpus).to.be.at.least(1);
  });

  it("shows the node section with the app's dependencies and their installed versions", async () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.dir, 'package.json'),
        JSON.stringify({
          name: 'my-app',
          version: '1.2.3',
          dependencies: { alpha: '^1', jsonwebtoken: '^9', missing: '^2' },
        }),
      );
      for (const [name, version] of [
        ['alpha', '1.4.0'],
        ['jsonwebtoken', '9.0.2'],
      ]) {
        mkdirSync(join(dir.dir, 'node_modules', name!), { recursive: true });
        writeFileSync(join(dir.dir, 'node_modules', name!, 'package.json'), JSON.stringify({ name, version }));
      }
      const { body } = await dump({ packageJson: join(dir.dir, 'package.json') });
      expect(body.node).to.include({ version: process.version, execPath: process.execPath });
      expect(body.node.versions.v8).to.equal(process.versions.v8);
      expect(body.node.app).to.deep.equal({ name: 'my-app', version: '1.2.3' });
      expect(body.node.dependencies).to.deep.equal([
        { name: 'alpha', version: '1.4.0' },
        { name: 'jsonwebtoken', version: '9.0.2' },
        { name: 'missing', version: 'not installed' },
      ]);
    } finally {
      dir.remove();
    }
  });

  it("reads this repository's own dependencies by default", async () => {
    const { body } = await dump();
    const koa = (body.node.dependencies as Array<{ name: string; version: string }>).find(({ name }) => name === 'koa');
    expect(koa?.version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('shows the process section', async () => {
    const { body } = await dump();
    expect(body.process).to.include({ pid: process.pid, cwd: process.cwd(), user: os.userInfo().username });
    expect(body.process.argv).to.be.an('array');
    expect(body.process.uptime).to.be.a('number');
    expect(body.process.memoryUsage.rss).to.be.a('number');
    expect(body.process.env.PATH).to.equal(process.env.PATH);
  });

  it('shows the config section, and can switch each built-in section off', async () => {
    const { body } = await dump({ config: { region: 'eu-1' } });
    expect(Object.keys(body)).to.deep.equal(['os', 'node', 'process', 'config']);
    expect(body.config).to.deep.equal({ region: 'eu-1' });
    const { body: some } = await dump({ include: { os: false, process: false } });
    expect(Object.keys(some)).to.deep.equal(['node', 'config']);
    const { body: none } = await dump({ include: { os: false, node: false, process: false, config: false } });
    expect(none).to.deep.equal({});
  });

  it('takes custom sections: sync, async, up front or added, throwing and too slow ones as errors', async () => {
    const { app, middleware } = appWith({
      include: { os: false, node: false, process: false, config: false },
      sections: { application: () => ({ maintainer: 'Ops' }) },
      timeout: 100,
    });
    middleware.addSection('build', async () => {
      await sleep(10);
      return { commit: 'abc123' };
    });
    middleware.addSection('broken', () => {
      throw new Error('section failed');
    });
    middleware.addSection('rejected', async () => Promise.reject(new Error('async failure')));
    let aborted = false;
    middleware.addSection('slow', (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => {});
    });
    const res = await request(app.callback()).get('/environment').expect(200);
    expect(JSON.parse(res.text)).to.deep.equal({
      application: { maintainer: 'Ops' },
      build: { commit: 'abc123' },
      broken: { error: 'section failed' },
      rejected: { error: 'async failure' },
      slow: { error: 'timed out after 100 ms' },
    });
    expect(aborted).to.equal(true);
  });

  it('refuses a duplicate section name, built-in names included', () => {
    const { middleware } = appWith({ sections: { build: () => 1 } });
    expect(() => middleware.addSection('build', () => 2)).to.throw(TypeError, 'build');
    expect(() => middleware.addSection('os', () => 2)).to.throw(TypeError, 'os');
    expect(() => environment({ include: { os: false }, sections: { os: () => 1 } })).to.throw(TypeError, 'os');
  });

  it('throws a TypeError naming a bad option', () => {
    expect(() => environment({ path: 'env' })).to.throw(TypeError, 'path');
    expect(() => environment({ include: { python: true } as never })).to.throw(TypeError, 'python');
    expect(() => environment({ timeout: 0 })).to.throw(TypeError, 'timeout');
    expect(() => environment({ scrub: 'key' as never })).to.throw(TypeError, 'scrub');
    expect(() => environment({ scrub: [''] })).to.throw(TypeError, 'scrub');
    expect(() => environment({ secrets: 'x' } as never)).to.throw(TypeError, 'secrets');
  });
});

describe('scrubbing the environment dump', () => {
  const PLANTED = 'PLANTED-s3cr3t-value';
  const keys = [
    'API_KEY',
    'ACCESS_TOKEN',
    'DB_PASSWORD',
    'MYSQL_PWD',
    'CLIENT_SECRET',
    'AUTH_HEADER',
    'AWS_CREDENTIALS',
    'PRIVATE_PEM',
    'SESSION_ID',
    'COOKIE_JAR',
    'WEBHOOK_SIGNATURE',
    'apiKey',
    'Secret',
  ];

  it('masks every value whose key matches, in the environment variables and in config, nested and in arrays', async () => {
    const saved = { ...process.env };
    for (const key of keys) process.env[key] = `${PLANTED}-${key}`;
    try {
      const config = {
        db: { host: 'db.local', password: PLANTED, replicas: [{ host: 'r1', auth: { user: 'u', pass: PLANTED } }] },
        stripe: { private_key: PLANTED },
        tokens: [PLANTED, PLANTED],
      };
      const { body, text } = await dump({ config });
      expect(text).to.not.include(PLANTED);
      for (const key of keys) expect(body.process.env[key], key).to.equal(MASK);
      expect(body.config.db).to.deep.equal({
        host: 'db.local',
        password: MASK,
        replicas: [{ host: 'r1', auth: MASK }],
      });
      expect(body.config.tokens).to.equal(MASK);
      expect(body.process.env.PATH).to.equal(process.env.PATH);
    } finally {
      for (const key of keys) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('masks the password of any URL in a string value, keeping its shape', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `postgres://app:${PLANTED}@db.internal:5432/app`;
    try {
      const { body, text } = await dump({
        config: {
          upstream: `see https://bot:${PLANTED}@api.example/v1 and redis://:${PLANTED}@cache:6379`,
          plain: 'https://api.example/v1',
        },
      });
      expect(text).to.not.include(PLANTED);
      expect(body.process.env.DATABASE_URL).to.equal(`postgres://app:${MASK}@db.internal:5432/app`);
      expect(body.config.upstream).to.equal(`see https://bot:${MASK}@api.example/v1 and redis://:${MASK}@cache:6379`);
      expect(body.config.plain).to.equal('https://api.example/v1');
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('masks secret assignments in argv-like strings', async () => {
    const { text, body } = await dump({ config: { argv: ['node', `--db-password=${PLANTED}`, '--port=3000'] } });
    expect(text).to.not.include(PLANTED);
    expect(body.config.argv).to.deep.equal(['node', `--db-password=${MASK}`, '--port=3000']);
  });

  it('scrubs custom sections too', async () => {
    const { text, body } = await dump({
      include: { os: false, node: false, process: false, config: false },
      sections: { vault: async () => ({ address: 'https://vault', clientToken: PLANTED }) },
    });
    expect(text).to.not.include(PLANTED);
    expect(body.vault).to.deep.equal({ address: 'https://vault', clientToken: MASK });
  });

  it('takes more patterns, or a function that replaces the rules', async () => {
    const config = { licence_number: PLANTED, apiKey: 'shown-by-custom-rule', note: 'ok' };
    const { text, body } = await dump({
      include: { os: false, node: false, process: false },
      config,
      scrub: ['licence', /^NOTE$/i],
    });
    expect(text).to.not.include(PLANTED);
    expect(body.config).to.deep.equal({ licence_number: MASK, apiKey: MASK, note: MASK });
    const { body: custom } = await dump({
      include: { os: false, node: false, process: false },
      config,
      scrub: (key, value) => (key === 'licence_number' ? '[hidden]' : value),
    });
    expect(custom.config).to.deep.equal({ licence_number: '[hidden]', apiKey: 'shown-by-custom-rule', note: 'ok' });
  });

  it('replaces what JSON cannot hold with markers: cycles, functions, symbols, BigInt', async () => {
    const config: Record<string, unknown> = {
      fn: () => 1,
      sym: Symbol('s'),
      big: 10n,
      when: new Date(0),
      inf: Infinity,
    };
    config.self = config;
    config.list = [config, 1];
    Object.defineProperty(config, 'broken', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    const { body } = await dump({ include: { os: false, node: false, process: false }, config });
    expect(body.config).to.deep.equal({
      fn: '[Function]',
      sym: '[Symbol]',
      big: '[BigInt]',
      when: '1970-01-01T00:00:00.000Z',
      inf: 'Infinity',
      self: '[Circular]',
      list: ['[Circular]', 1],
      broken: '[Unreadable]',
    });
  });
});

describe('access to the environment dump', () => {
  it('needs the secret when one is set', async () => {
    const { app } = appWith({ secret: 'env-secret', include: { os: false, node: false, process: false } });
    const res = await request(app.callback()).get('/environment').expect(401);
    expect(res.text).to.equal('unauthorized');
    await request(app.callback()).get('/environment?auth=nope').expect(401);
    await request(app.callback()).get('/environment?auth=env-secret').expect(200);
    await request(app.callback()).get('/environment').set('Authorization', 'Bearer env-secret').expect(200);
  });
});
