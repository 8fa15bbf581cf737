import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Answer } from '../../src/index.js';
import { makeApp, sleep, tempDir } from '../helpers.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function appWithChecks(options: Parameters<typeof makeApp>[0] = {}) {
  const test = makeApp(options);
  test.bus.on('healthcheck', async (event) => {
    event.report('queue', 'OK', 'draining', { queued_jobs: 12, observedValue: 12, observedUnit: 'jobs' });
    await event.check('db', async () => {
      await sleep(30);
      throw new Error('connection refused');
    });
    event.report('disk', 'WARN', '85% full');
  });
  return test;
}

describe('response formats', () => {
  it('chooses by Accept: text by default, JSON, health+json, and 406 for none of them', async () => {
    const { app } = makeApp();
    const text = await request(app.callback()).get('/health').set('Accept', 'text/plain, */*;q=0.1').expect(200);
    expect(text.headers['content-type']).to.equal('text/plain; charset=utf-8');
    // A browser's Accept prefers HTML: the status page.
    const page = await request(app.callback())
      .get('/health')
      .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
      .expect(200);
    expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
    const json = await request(app.callback()).get('/health').set('Accept', 'application/json').expect(200);
    expect(json.headers['content-type']).to.equal('application/json; charset=utf-8');
    const draft = await request(app.callback()).get('/health').set('Accept', 'application/health+json').expect(200);
    expect(draft.headers['content-type']).to.equal('application/health+json; charset=utf-8');
    const refused = await request(app.callback()).get('/health').set('Accept', 'image/png').expect(406);
    expect(refused.text).to.equal('acceptable: text/plain, application/json, application/health+json, text/html');
  });

  it('chooses by ?format= over Accept, and refuses an unknown or repeated one', async () => {
    const { app } = makeApp();
    const json = await request(app.callback()).get('/health?format=json').set('Accept', 'text/plain').expect(200);
    expect(json.body.status).to.equal('OK');
    await request(app.callback())
      .get('/health?format=health%2Bjson')
      .expect('Content-Type', /health\+json/);
    await request(app.callback()).get('/health?format=text').set('Accept', 'application/json').expect(200, 'OK');
    await request(app.callback()).get('/health?format=xml').expect(406);
    await request(app.callback()).get('/health?format=json&format=text').expect(400);
  });

  it("gives panopticon's JSON: service_healthy, status, UTC timestamp, components with seconds and details", async () => {
    const { app } = appWithChecks();
    const before = Date.now();
    const res = await request(app.callback()).get('/health?checks=all').set('Accept', 'application/json').expect(503);
    const body = res.body as Record<string, any>;
    expect(Object.keys(body)).to.deep.equal([
      'service_healthy',
      'status',
      'timestamp',
      'components',
      'service',
      'available_checks',
      'hostname',
    ]);
    expect(body.available_checks).to.deep.equal(['db', 'disk', 'queue']);
    expect(body.hostname).to.equal(hostname());
    expect(body.service_healthy).to.equal(false);
    expect(body.status).to.equal('ERROR');
    expect(body.timestamp).to.match(ISO_UTC);
    expect(Date.parse(body.timestamp)).to.be.within(before, Date.now());
    expect(body.components.queue).to.deep.include({
      healthy: true,
      status: 'OK',
      status_message: 'draining',
      queued_jobs: 12,
    });
    expect(body.components.disk).to.include({ healthy: true, status: 'WARN', status_message: '85% full' });
    expect(body.components.db).to.include({ healthy: false, status: 'ERROR', status_message: 'connection refused' });
    // Seconds, not milliseconds: the db check took about 30 ms.
    expect(body.components.db.response_time).to.be.within(0.025, 2);
  });

  it('says WARN and MAINTENANCE in JSON', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      const { app, bus } = makeApp({ disableFile });
      bus.on('healthcheck', (event) => event.report('disk', 'WARN'));
      const warn = await request(app.callback()).get('/health?checks=all&format=json').expect(200);
      expect(warn.body).to.include({ service_healthy: true, status: 'WARN' });
      writeFileSync(disableFile, '');
      const down = await request(app.callback()).get('/health?format=json').expect(299);
      expect(down.body).to.deep.include({ service_healthy: false, status: 'MAINTENANCE', components: {} });
    } finally {
      dir.remove();
    }
  });

  it('gives application/health+json per the draft: pass/warn/fail matching the code, checks by name', async () => {
    const { app } = appWithChecks();
    const res = await request(app.callback())
      .get('/health?checks=all')
      .set('Accept', 'application/health+json')
      .expect(503);
    const body = JSON.parse(res.text) as Record<string, any>;
    expect(body.status).to.equal('fail');
    expect(body.checks.queue).to.have.length(1);
    expect(body.checks.queue[0]).to.deep.equal({
      status: 'pass',
      observedStatus: 'pass',
      time: body.checks.queue[0].time,
      observedValue: 12,
      observedUnit: 'jobs',
    });
    expect(body.checks.queue[0].time).to.match(ISO_UTC);
    expect(body.checks.db[0]).to.include({ status: 'fail', output: 'connection refused' });
    expect(body.checks.disk[0]).to.include({ status: 'warn', output: '85% full' });

    const { app: warnApp, bus } = makeApp();
    bus.on('healthcheck', (event) => event.report('disk', 'WARN'));
    const warn = await request(warnApp.callback()).get('/health?checks=all&format=health%2Bjson').expect(200);
    expect(JSON.parse(warn.text).status).to.equal('warn');
    const pass = await request(warnApp.callback()).get('/health?format=health%2Bjson').expect(200);
    expect(JSON.parse(pass.text)).to.deep.equal({ status: 'pass' });
  });

  it('takes a custom format, and per-state headers', async () => {
    const seen: Answer[] = [];
    const { app, bus } = makeApp({
      format: (report, ctx) => {
        seen.push(report);
        ctx.type = 'text/html';
        return `<b>${report.status}</b>`;
      },
      headers: { ERROR: { 'Retry-After': '30' }, OK: { 'X-Health': 'fine' } },
    });
    bus.on('healthcheck', (event) => event.report('db', 'NOK'));
    const failing = await request(app.callback()).get('/health?checks=all').expect(503);
    expect(failing.text).to.equal('<b>ERROR</b>');
    expect(failing.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(failing.headers['retry-after']).to.equal('30');
    expect(failing.headers['x-health']).to.equal(undefined);
    const bare = await request(app.callback()).get('/health').expect(200, '<b>OK</b>');
    expect(bare.headers['x-health']).to.equal('fine');
    expect(seen[0]!.result!.checks[0]).to.include({ name: 'db', status: 'NOK' });
    // JSON asked for explicitly still gets JSON.
    await request(app.callback())
      .get('/health?format=json')
      .expect('Content-Type', /application\/json/);
  });

  it('falls back to text when a custom format returns nothing, keeping the status', async () => {
    const { app, bus } = makeApp({ format: () => undefined });
    bus.on('healthcheck', (event) => event.report('db', 'NOK'));
    await request(app.callback()).get('/health?checks=all').expect(503, 'ERROR');
  });
});

describe('the ping endpoint', () => {
  it('answers 200 pong, runs no checks, and ignores maintenance and the secret', async () => {
    const dir = tempDir();
    try {
      const disableFile = join(dir.dir, 'down');
      writeFileSync(disableFile, '');
      const { app, bus } = makeApp({ disableFile, secret: 's3cret' });
      let ran = 0;
      bus.on('healthcheck', () => void ran++);
      await request(app.callback()).get('/health').expect(299);
      const res = await request(app.callback()).get('/health/ping?checks=all').expect(200, 'pong');
      expect(res.headers['cache-control']).to.equal('no-store');
      await request(app.callback()).get('/health/ping/').expect(200, 'pong');
      await request(app.callback()).head('/health/ping').expect(200);
      await request(app.callback()).delete('/health/ping').expect(405);
      await request(app.callback()).get('/health/pings').expect(200, 'downstream');
      expect(ran).to.equal(0);
    } finally {
      dir.remove();
    }
  });
});

describe('what reaches people and logs', () => {
  it('shows every valid name in both JSON formats, __proto__ and constructor included', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      for (const name of ['__proto__', 'constructor', 'toString', 'db']) event.report(name, 'OK', name);
    });
    const json = await request(app.callback()).get('/health?checks=all&format=json').expect(200);
    expect(Object.keys(JSON.parse(json.text).components)).to.deep.equal(['__proto__', 'constructor', 'toString', 'db']);
    const draft = await request(app.callback()).get('/health?checks=all&format=health%2Bjson').expect(200);
    expect(Object.keys(JSON.parse(draft.text).checks)).to.deep.equal(['__proto__', 'constructor', 'toString', 'db']);
    await request(app.callback()).get('/health?checks=__proto__,constructor').expect(200);
  });

  it("keeps a check's own response_time (panopticon: measured only if the check gave none)", async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      event.report('upstream', 'OK', '', { response_time: 12.5 });
      event.report('db', 'OK');
    });
    const res = await request(app.callback()).get('/health?checks=all&format=json').expect(200);
    expect(res.body.components.upstream.response_time).to.equal(12.5);
    expect(res.body.components.db.response_time).to.be.a('number').below(1);
  });

  it('escapes names, statuses and addresses in log lines, so none can forge a line or a terminal escape', async () => {
    const { app, bus, logger } = makeApp({ secret: 's' });
    const forged = 'db\nHealth response: OK (all fine)\u001b[2J';
    bus.on('healthcheck', (event) => event.report(forged, 'BAD\r\nSTATUS', 'line\nbreak'));
    await request(app.callback()).get('/health?checks=all&auth=s').expect(503);
    app.proxy = true;
    // Node refuses CR and LF in headers; a tab is what a client can smuggle into ctx.ip.
    await request(app.callback()).get('/health?checks=all').set('X-Forwarded-For', 'evil\t1.2.3.4').expect(401);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape character must not reach a log line.
    for (const [, line] of logger.lines) expect(line).to.not.match(/[\n\r\t\u001b]/);
    expect(logger.lines[1]![1]).to.equal(
      'koa-health: refused a check request without the right secret from evil\\t1.2.3.4',
    );
    expect(logger.lines[0]![1]).to.equal(
      'Health response: ERROR (db\\nHealth response: OK (all fine)\\u001b[2J=BAD\\r\\nSTATUS "line\\nbreak")',
    );
  });
});
