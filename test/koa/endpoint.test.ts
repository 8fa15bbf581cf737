import { chownSync, lchownSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { createHealthBus, health } from '../../src/index.js';
import { makeApp, tempDir, urlParsed } from '../helpers.js';

describe('the health endpoint', () => {
  it('answers a bare request 200 OK as text, with no-store, and runs no checks', async () => {
    const { app, bus } = makeApp();
    let ran = 0;
    bus.on('healthcheck', () => void ran++);
    const res = await request(app.callback()).get('/health').expect(200);
    expect(res.text).to.equal('OK');
    expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(ran).to.equal(0);
  });

  it('answers with one trailing slash, and at a configured path', async () => {
    const { app } = makeApp({ path: '/status' });
    await request(app.callback()).get('/status/').expect(200, 'OK');
    await request(app.callback()).get('/status').expect(200, 'OK');
    await request(app.callback()).get('/health').expect(200, 'downstream');
    await request(app.callback()).get('/status//').expect(200, 'downstream');
  });

  it('passes other paths to next() untouched, downstream errors included', async () => {
    const bus = createHealthBus();
    const app = new Koa();
    app.silent = true;
    app.use(health({ bus, disableFile: false, logger: false }));
    app.use((ctx) => {
      if (ctx.path === '/boom') ctx.throw(418, 'downstream error');
      ctx.set('X-Downstream', 'yes');
      ctx.body = 'app';
    });
    const res = await request(app.callback()).get('/other').expect(200, 'app');
    expect(res.headers['x-downstream']).to.equal('yes');
    expect(res.headers['cache-control']).to.equal(undefined);
    await request(app.callback()).get('/boom').expect(418);
    await request(app.callback()).get('/healthz').expect(200, 'app');
  });

  it('turns other paths away on the raw URL, before Koa parses it', async () => {
    const app = new Koa();
    app.use(health({ bus: createHealthBus(), disableFile: false, logger: false }));
    app.use((ctx) => {
      ctx.body = urlParsed(ctx) ? 'parsed' : 'unparsed';
    });
    await request(app.callback()).get('/other?x=1').expect(200, 'unparsed');
    // Sharing the prefix, it needs the parsed path to tell.
    await request(app.callback()).get('/healthz').expect(200, 'parsed');
  });

  it('answers HEAD with the same status and no body', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => event.report('db', 'NOK'));
    const bare = await request(app.callback()).head('/health').expect(200);
    expect(bare.text).to.equal(undefined);
    const failing = await request(app.callback()).head('/health?checks=all').expect(503);
    expect(failing.text).to.equal(undefined);
  });

  it('answers other methods 405 with an Allow header', async () => {
    const { app } = makeApp();
    for (const method of ['put', 'delete', 'patch'] as const) {
      const res = await request(app.callback())[method]('/health').expect(405);
      expect(res.headers.allow).to.equal('GET, HEAD, POST');
    }
    await request(app.callback()).options('/health').expect(405);
  });

  describe('application checks', () => {
    it('runs them for checks=all or checks=true, case-insensitively, and answers 200 when all pass', async () => {
      const { app, bus } = makeApp();
      let ran = 0;
      bus.on('healthcheck', (event) => {
        ran++;
        event.report('db', 'OK');
      });
      for (const value of ['all', 'true', 'ALL', 'True']) {
        await request(app.callback()).get(`/health?checks=${value}`).expect(200, 'OK');
      }
      expect(ran).to.equal(4);
    });

    it('runs nothing for any other value, empty included', async () => {
      const { app, bus } = makeApp();
      let ran = 0;
      bus.on('healthcheck', () => void ran++);
      for (const query of ['checks=', 'checks=false', 'other=1', 'checks']) {
        await request(app.callback()).get(`/health?${query}`).expect(200, 'OK');
      }
      expect(ran).to.equal(0);
    });

    it('answers 503 ERROR and logs every result when one fails (any status but OK)', async () => {
      const { app, bus, logger } = makeApp();
      bus.on('healthcheck', (event) => {
        event.report('db', 'NOK', 'ping failed');
        event.report('cache', 'OK');
      });
      const res = await request(app.callback()).get('/health?checks=all').expect(503);
      expect(res.text).to.equal('ERROR');
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(logger.lines).to.deep.include(['error', 'Health response: ERROR (db=NOK "ping failed", cache=OK)']);
    });

    it('answers 200 when no subscriber reports anything', async () => {
      const { app, bus } = makeApp();
      bus.on('healthcheck', () => {});
      await request(app.callback()).get('/health?checks=all').expect(200, 'OK');
    });

    it('uses failureCode', async () => {
      const { app, bus } = makeApp({ failureCode: 500 });
      bus.on('healthcheck', (event) => event.report('db', 'ERROR'));
      await request(app.callback()).get('/health?checks=all').expect(500, 'ERROR');
    });

    it('reads checks from a POST form body', async () => {
      const { app, bus } = makeApp();
      bus.on('healthcheck', (event) => event.report('db', 'NOK'));
      await request(app.callback()).post('/health').type('form').send('checks=all').expect(503, 'ERROR');
      await request(app.callback()).post('/health').type('form').send('checks=false').expect(200, 'OK');
    });

    it('reads checks from a POST JSON body, as a string or true', async () => {
      const { app, bus } = makeApp();
      bus.on('healthcheck', (event) => event.report('db', 'NOK'));
      await request(app.callback()).post('/health').send({ checks: 'all' }).expect(503);
      await request(app.callback()).post('/health').send({ checks: true }).expect(503);
      await request(app.callback()).post('/health').send({}).expect(200, 'OK');
      await request(app.callback()).post('/health').expect(200, 'OK');
    });

    it('takes a body the app already parsed', async () => {
      const bus = createHealthBus();
      bus.on('healthcheck', (event) => event.report('db', 'NOK'));
      const app = new Koa();
      app.use((ctx, next) => {
        (ctx.request as { body?: unknown }).body = { checks: 'all' };
        return next();
      });
      app.use(health({ bus, disableFile: false, logger: false }));
      // The raw body says nothing: only the already-parsed body can ask for checks.
      await request(app.callback()).post('/health').type('text').send('nothing').expect(503, 'ERROR');
    });

    it('answers a malformed body 400 with a short message, not a 500', async () => {
      const { app } = makeApp();
      const res = await request(app.callback()).post('/health').type('json').send('{"checks":').expect(400);
      expect(res.text).to.equal('malformed request body');
      await request(app.callback())
        .post('/health')
        .send({ checks: { nested: 1 } })
        .expect(400);
    });
  });

  describe('maintenance', () => {
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => dir.remove());

    it('answers 299 MAINTENANCE while the disable file exists, and runs no checks', async () => {
      const disableFile = join(dir.dir, 'maintenance');
      const { app, bus, logger } = makeApp({ disableFile });
      let ran = 0;
      bus.on('healthcheck', () => void ran++);
      await request(app.callback()).get('/health').expect(200, 'OK');

      writeFileSync(disableFile, '');
      const res = await request(app.callback()).get('/health?checks=all').expect(299);
      expect(res.text).to.equal('MAINTENANCE');
      expect((res as unknown as { res: { statusMessage: string } }).res.statusMessage).to.equal('MAINTENANCE');
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(ran).to.equal(0);
      expect(logger.lines).to.deep.include(['info', 'Health response: MAINTENANCE']);

      unlinkSync(disableFile);
      await request(app.callback()).get('/health?checks=all').expect(200, 'OK');
      expect(ran).to.equal(1);
    });

    it('follows a symlinked disable file, and ignores a dangling one', async () => {
      const target = join(dir.dir, 'flag');
      const disableFile = join(dir.dir, 'maintenance');
      symlinkSync(target, disableFile);
      const { app } = makeApp({ disableFile });
      await request(app.callback()).get('/health').expect(200, 'OK');
      writeFileSync(target, '');
      await request(app.callback()).get('/health').expect(299, 'MAINTENANCE');
    });

    it('uses maintenanceCode, and answers HEAD with it', async () => {
      const disableFile = join(dir.dir, 'maintenance');
      writeFileSync(disableFile, '');
      const { app } = makeApp({ disableFile, maintenanceCode: 503 });
      await request(app.callback()).get('/health').expect(503, 'MAINTENANCE');
      await request(app.callback()).head('/health').expect(503);
    });

    it('defaults to /tmp/maintenance, and disableFile: false turns it off', async () => {
      const bus = createHealthBus();
      const logger = { info() {}, warn() {}, error() {} };
      const byDefault = health({ bus, logger });
      const off = health({ bus, logger, disableFile: false });
      const present = (() => {
        try {
          writeFileSync('/tmp/maintenance', '', { flag: 'wx' });
          return false;
        } catch {
          return true;
        }
      })();
      try {
        const appOf = (middleware: Koa.Middleware) => new Koa().use(middleware).callback();
        await request(appOf(byDefault)).get('/health').expect(299);
        await request(appOf(off)).get('/health').expect(200);
      } finally {
        if (!present) unlinkSync('/tmp/maintenance');
      }
    });
  });

  describe('on an @koa/router route', () => {
    it('answers every request the route gives it with path: false', async () => {
      const bus = createHealthBus();
      bus.on('healthcheck', (event) => event.report('db', 'NOK'));
      const router = new Router({ prefix: '/api' });
      router.all('/status', health({ path: false, bus, disableFile: false, logger: false }));
      router.get('/other', (ctx) => {
        ctx.body = 'other';
      });
      const app = new Koa().use(router.routes()).use(router.allowedMethods());
      await request(app.callback()).get('/api/status').expect(200, 'OK');
      await request(app.callback()).get('/api/status?checks=all').expect(503, 'ERROR');
      await request(app.callback()).head('/api/status').expect(200);
      await request(app.callback()).get('/api/other').expect(200, 'other');
      await request(app.callback()).get('/status').expect(404);
    });
  });
});

describe('the endpoint behind a proxy or a mount', () => {
  it('recognises its path in an absolute-form request URL', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => event.report('db', 'NOK'));
    const callback = app.callback();
    const answer = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const server = createServer((req, res) => {
          req.url = url;
          void callback(req, res);
        }).listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          fetch(`http://127.0.0.1:${port}/ignored`).then(async (res) => {
            resolve({ status: res.status, body: await res.text() });
            server.close();
          }, reject);
        });
      });
    expect(await answer('http://example.test/health?checks=all')).to.deep.equal({ status: 503, body: 'ERROR' });
    expect(await answer('http://example.test/other')).to.deep.equal({ status: 200, body: 'downstream' });
  });
});

describe('maintenance', () => {
  it('logs maintenance once on entering and once on leaving', async () => {
    const dir = tempDir();
    try {
      const disableFile = `${dir.dir}/down`;
      const { app, logger } = makeApp({ disableFile });
      writeFileSync(disableFile, '');
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health').expect(299);
      unlinkSync(disableFile);
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health').expect(200);
      expect(logger.lines).to.deep.equal([
        ['info', 'Health response: MAINTENANCE'],
        ['info', 'Health response: maintenance is over'],
      ]);
    } finally {
      dir.remove();
    }
  });
});

describe('a disable file of another user', () => {
  // Making a file of another user needs root (as CI runs); elsewhere this is skipped with a line saying so.
  const root = process.getuid?.() === 0;

  it('is ignored with one warning, as is a symlink of another user pointing at a root file', async function () {
    if (!root) {
      if (process.env.CI === 'true')
        throw new Error('this test needs root to chown a file to another user; CI runs as root');
      console.log('      (skipped: run as root to chown a disable file to another user)');
      return this.skip();
    }
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      const { app, logger } = makeApp({ disableFile });
      writeFileSync(disableFile, '');
      chownSync(disableFile, 65534, 65534);
      for (let i = 0; i < 3; i++) await request(app.callback()).get('/health').expect(200, 'OK');
      expect(logger.lines).to.deep.equal([
        [
          'warn',
          `koa-health: ignoring the disable file ${disableFile}: owned by uid 65534, not by this process's user or root`,
        ],
      ]);
      // Taken by root again: maintenance at once.
      chownSync(disableFile, 0, 0);
      await request(app.callback()).get('/health').expect(299);
      unlinkSync(disableFile);
      // A link of another user to a file of root's: still ignored.
      const rootFile = join(dir.dir, 'root-owned');
      writeFileSync(rootFile, '');
      symlinkSync(rootFile, disableFile);
      lchownSync(disableFile, 65534, 65534);
      await request(app.callback()).get('/health').expect(200, 'OK');
    } finally {
      dir.remove();
    }
  });
});
