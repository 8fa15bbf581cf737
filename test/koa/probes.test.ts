import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { contextOf } from '../../src/core/index.js';
import { registerCheck } from '../../src/index.js';
import { makeApp, tempDir } from '../helpers.js';

/** An app with a startup check (migrations) and readiness checks, each switchable by the test. */
function probeApp(options: Parameters<typeof makeApp>[0] = {}) {
  const test = makeApp({ startup: '@startup', ...options });
  const state = { migrations: false, database: true, cache: true, runs: 0 };
  registerCheck('migrations', () => (state.runs++, state.migrations), {
    bus: test.bus,
    tags: ['startup'],
    default: false,
  });
  registerCheck('database', () => state.database, { bus: test.bus });
  registerCheck('cache', () => state.cache, { bus: test.bus, critical: false });
  return { ...test, state, get: (path: string) => request(test.app.callback()).get(path) };
}

describe('Kubernetes probes', () => {
  it('/live answers 200 through failing checks, maintenance and draining, and runs nothing', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      const { get, bus, state } = probeApp({ disableFile });
      state.database = false;
      await get('/health/live').expect(200, 'OK');
      writeFileSync(disableFile, '');
      contextOf(bus).startDrain();
      await get('/health/live').expect(200, 'OK');
      await get('/health/live?verbose').expect(200, '[+]ping ok\nlivez check passed\n');
      expect(state.runs).to.equal(0);
    } finally {
      dir.remove();
    }
  });

  it('/startup answers 503 until the startup checks pass once, then 200 without running anything', async () => {
    const { get, state } = probeApp();
    await get('/health/startup').expect(503);
    state.migrations = true;
    await get('/health/startup').expect(200, 'OK');
    const runs = state.runs;
    state.migrations = false;
    await get('/health/startup').expect(200, 'OK');
    expect(state.runs).to.equal(runs);
  });

  it('/ready runs the startup checks too until they pass, so a balancer polling only /ready gets a started instance', async () => {
    const { get, state } = probeApp();
    const starting = await get('/health/ready?format=json').expect(503);
    expect(starting.body).to.include({ status: 'STARTING' });
    state.migrations = true;
    await get('/health/ready').expect(200, 'OK');
    // Started for good: /startup says so without running, and /ready no longer runs the startup checks.
    state.migrations = false;
    const runs = state.runs;
    await get('/health/startup').expect(200);
    await get('/health/ready').expect(200);
    expect(state.runs).to.equal(runs);
  });

  it('/ready answers 503 while in maintenance, even with the default 299 for the bare endpoint', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      const { get, state } = probeApp({ disableFile });
      state.migrations = true;
      await get('/health/ready').expect(200);
      writeFileSync(disableFile, '');
      await get('/health').expect(299);
      const res = await get('/health/ready?format=health%2Bjson').expect(503);
      expect(JSON.parse(res.text)).to.deep.equal({ status: 'fail', output: 'maintenance' });
      await get('/health/ready?verbose').expect(
        503,
        '[-]maintenance failed: disable file present\nreadyz check failed\n',
      );
    } finally {
      dir.remove();
    }
  });

  it('/ready answers 503 SHUTTING_DOWN while draining; 200 with a failing non-critical check', async () => {
    const { get, bus, state } = probeApp();
    state.migrations = true;
    state.cache = false;
    await get('/health/ready').expect(200, 'OK');
    contextOf(bus).startDrain();
    const res = await get('/health/ready?format=json').expect(503);
    expect(res.body).to.include({ status: 'SHUTTING_DOWN', service_healthy: false });
  });

  it("says STARTING in both JSON formats until the startup checks have passed, then the checks' own state", async () => {
    const { get, state } = probeApp({ readiness: 'cache' });
    const json = await get('/health/startup?format=json').expect(503);
    expect(json.body).to.include({ status: 'STARTING', service_healthy: false });
    const draft = await get('/health/ready?format=health%2Bjson').expect(503);
    expect(JSON.parse(draft.text)).to.include({ status: 'fail', output: 'starting' });
    state.migrations = true;
    await get('/health/ready?format=json').expect(200);
    state.cache = false;
    const warned = await get('/health/ready?format=json').expect(200);
    expect(warned.body.status).to.equal('WARN');
  });

  it("speaks kube-apiserver's ?verbose, ?exclude= and /ready/<name>, withholding reasons unless details are allowed", async () => {
    const { get, state } = probeApp({ secret: 's3cret' });
    state.migrations = true;
    state.database = false;
    state.cache = false;
    await get('/health/ready?verbose').expect(
      503,
      '[+]migrations ok\n[-]database failed: reason withheld\n[+]cache warn: reason withheld\nreadyz check failed\n',
    );
    const allowed = await request(probeAppWith(state))
      .get('/health/ready?verbose')
      .set('Authorization', 'Bearer s3cret');
    expect(allowed.text).to.include('[-]database failed: check returned false');
    state.database = true;
    await get('/health/ready?verbose&exclude=database').expect(
      200,
      '[+]cache warn: reason withheld\n[+]database excluded: ok\nreadyz check passed\n',
    );
    await get('/health/ready?verbose&exclude=database&exclude=cache').expect(
      200,
      '[+]database excluded: ok\n[+]cache excluded: ok\nreadyz check passed\n',
    );
    await get('/health/ready?format=json&format=text').expect(400, '"format" must be given once, as text');
    await get('/health/ready/database').expect(200, 'OK');
    state.database = false;
    await get('/health/ready/database').expect(503, 'ERROR');
    await get('/health/ready/nope').expect(404, 'unknown check: nope');
    await get('/health/ready/a%20b').expect(400);
    await get('/health/ready/database/extra').expect(200, 'downstream');
  });
});

/** The same checks behind a secret with `details: 'authorized'`, as an app callback. */
function probeAppWith(state: { migrations: boolean; database: boolean; cache: boolean; runs: number }) {
  const test = makeApp({ startup: '@startup', secret: 's3cret' });
  registerCheck('migrations', () => state.migrations, { bus: test.bus, tags: ['startup'], default: false });
  registerCheck('database', () => state.database, { bus: test.bus });
  registerCheck('cache', () => state.cache, { bus: test.bus, critical: false });
  return test.app.callback();
}

describe('Kubernetes probes, against hostile requests', () => {
  it('/ready/<name> runs exactly the one check named: all, TRUE, a,b and @tag select nothing', async () => {
    const { get, state } = probeApp();
    for (const [path, status] of [
      ['all', 404],
      ['TRUE', 404],
      ['_defaults', 404],
      ['a,b', 400],
      ['@startup', 400],
      ['%40startup', 400],
    ] as const) {
      await get(`/health/ready/${path}`).expect(status);
    }
    // Not one check function ran, `default: false` ones included.
    expect(state.runs).to.equal(0);
    await get('/health/ready/migrations').expect(503);
    expect(state.runs).to.equal(1);
  });

  it('reads the secret from ?auth= as from Authorization: Bearer, and lists check names only to whoever gives it', async () => {
    const { get, state } = probeApp({ secret: 's3cret' });
    state.migrations = true;
    state.database = false;
    await get('/health/ready?verbose').expect(503, /database failed: reason withheld/);
    await get('/health/ready?verbose&auth=s3cret').expect(503, /database failed: check returned false/);
    await get('/health/ready?verbose&auth=wrong').expect(503, /database failed: reason withheld/);
    await get('/health/ready/nope').expect(404, 'unknown check: nope');
    const told = await get('/health/ready/nope?auth=s3cret').expect(404);
    expect(told.text).to.include('known: cache, database, migrations');
    const json = await get('/health/ready?format=json').expect(503);
    expect(json.body).to.not.have.any.keys('available_checks', 'hostname');
    expect(json.body.components).to.deep.equal({});
    expect((await get('/health/ready?format=json&auth=s3cret')).body).to.include.keys('available_checks', 'hostname');
  });

  it('keeps ?verbose to a line per check: a message with CR/LF cannot forge another line', async () => {
    const test = makeApp();
    registerCheck(
      'database',
      () => {
        throw new Error('syntax error at SELECT 1\r\n[+]forged ok\nreadyz check passed');
      },
      { bus: test.bus },
    );
    const res = await request(test.app.callback()).get('/health/ready?verbose').expect(503);
    expect(res.text.split('\n')).to.deep.equal([
      '[-]database failed: syntax error at SELECT 1\\r\\n[+]forged ok\\nreadyz check passed',
      '[-]startup failed: not yet passed',
      'readyz check failed',
      '',
    ]);
    expect(res.text).to.not.match(/^\[\+\]forged/m);
  });

  it('takes readiness and startup at health(); a name no check has is logged once at error and left out, never a 400', async () => {
    expect(() => makeApp({ readiness: 'bad name' })).to.throw(TypeError, 'readiness');
    const test = makeApp({ readiness: 'database,@nothing', startup: 'databse' });
    registerCheck('database', () => true, { bus: test.bus });
    const get = (path: string) => request(test.app.callback()).get(path);
    for (let i = 0; i < 3; i++) {
      await get('/health/startup').expect(200);
      await get('/health/ready').expect(200, 'OK');
    }
    const errors = test.logger.lines.filter(([level]) => level === 'error').map(([, line]) => line);
    expect(errors).to.deep.equal([
      'koa-health: option "readiness" names no check: @nothing (known: database); the probes leave it out',
      'koa-health: option "startup" names no check: databse (known: database); the probes leave it out',
    ]);
    const page = await get('/health?format=html').expect(200);
    expect(page.text).to.include('option &#34;readiness&#34; names no check: @nothing');
  });
});
