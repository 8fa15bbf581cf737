import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { httpCheck } from '../../src/checks/index.js';
import { type CheckFunction, createHealthBus, registerCheck } from '../../src/index.js';
import { makeApp, runCheck } from '../helpers.js';

/** A local server whose answer each test chooses. */
function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    ),
  );
}

const run = (fn: CheckFunction, timeout = 1000) => runCheck(fn, timeout);

describe('httpCheck() against a local server', () => {
  let server: Server;
  let url: string;
  let status = 200;
  let seen: { method?: string | undefined; header?: string | undefined } = {};

  before(async () => {
    ({ server, url } = await serve((req, res) => {
      seen = { method: req.method, header: req.headers['x-probe'] as string };
      if (req.url === '/endless') {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/silent') return;
      res.writeHead(status).end('body');
    }));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes a 2xx by default, saying the status and the time, with the method and headers given', async () => {
    status = 204;
    const result = await run(httpCheck(url, { method: 'HEAD', headers: { 'X-Probe': 'yes' } }));
    expect(result.status).to.equal('OK');
    expect(result.message).to.match(/^HTTP 204 in \d+ ms$/);
    expect(seen).to.deep.equal({ method: 'HEAD', header: 'yes' });
  });

  it('judges by a status, a list, a class or a predicate', async () => {
    status = 503;
    expect((await run(httpCheck(url))).message).to.match(/^HTTP 503 in \d+ ms, expected 2xx$/);
    expect((await run(httpCheck(url, { expect: 503 }))).status).to.equal('OK');
    expect((await run(httpCheck(url, { expect: [200, 503] }))).status).to.equal('OK');
    expect((await run(httpCheck(url, { expect: '5xx' }))).status).to.equal('OK');
    expect((await run(httpCheck(url, { expect: (code) => code >= 500 }))).status).to.equal('OK');
    status = 301;
    expect((await run(httpCheck(url, { expect: '2xx' }))).status).to.equal('ERROR');
  });

  it('cancels a body that never ends and answers at once', async () => {
    const result = await run(httpCheck(new URL('/endless', url)), 1000);
    expect(result.status).to.equal('OK');
    expect(result.elapsed).to.be.below(500);
  });

  it('with expectBody, judges the body by a string, a RegExp or a predicate, never quoting it', async () => {
    status = 200;
    expect((await run(httpCheck(url, { expectBody: 'bod' }))).status).to.equal('OK');
    expect((await run(httpCheck(url, { expectBody: /^bo.y$/g }))).status).to.equal('OK');
    // A global pattern is judged from the start of each body, run after run.
    const global = httpCheck(url, { expectBody: /body/g });
    expect((await run(global)).status).to.equal('OK');
    expect((await run(global)).status).to.equal('OK');
    expect((await run(httpCheck(url, { expectBody: (body) => body.length === 4 }))).status).to.equal('OK');
    const missing = await run(httpCheck(url, { expectBody: '"status":"UP"' }));
    expect(missing.message).to.match(/^HTTP 200 in \d+ ms, the body does not contain "\\"status\\":\\"UP\\""$/);
    expect((await run(httpCheck(url, { expectBody: /UP/ }))).message).to.match(/, the body does not match "\/UP\/"$/);
    expect((await run(httpCheck(url, { expectBody: () => false }))).message).to.match(
      /, the body predicate refused it$/,
    );
    const threw = await run(
      httpCheck(url, {
        expectBody: () => {
          throw new Error('bad json');
        },
      }),
    );
    expect(threw).to.include({ status: 'ERROR' });
    expect(threw.message).to.match(/, the body predicate threw: bad json$/);
  });

  it('reads a body no further than maxBodyBytes, even one that never ends, and judges what arrived', async () => {
    let seenLength = -1;
    const endless = await run(
      httpCheck(new URL('/endless', url), {
        expectBody: (body) => ((seenLength = body.length), body.startsWith('xxx')),
        maxBodyBytes: 3000,
      }),
      2000,
    );
    expect(endless.status, endless.message).to.equal('OK');
    expect(seenLength).to.equal(3000);
    expect(endless.elapsed).to.be.below(1000);
    const cut = await run(httpCheck(new URL('/endless', url), { expectBody: 'y', maxBodyBytes: 10 }), 2000);
    expect(cut.message).to.match(/, the body does not contain "y" \(judged on its first 10 bytes\)$/);
    expect(() => httpCheck(url, { maxBodyBytes: 0 })).to.throw(TypeError, '`maxBodyBytes`');
    expect(() => httpCheck(url, { expectBody: 42 as never })).to.throw(TypeError, '`expectBody`');
  });

  it('fails at the deadline against a server that never answers, and a refused port at once', async () => {
    const silent = await run(httpCheck(new URL('/silent', url)), 200);
    expect(silent).to.include({ status: 'ERROR', message: 'timed out after 200 ms' });
    expect(silent.elapsed).to.be.below(250);
    const closed = await serve(() => undefined);
    closed.server.close();
    const refused = await run(httpCheck(closed.url), 1000);
    expect(refused.status).to.equal('ERROR');
    expect(refused.elapsed).to.be.below(500);
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => httpCheck('not a url')).to.throw(TypeError, '`url`');
    expect(() => httpCheck('ftp://x/')).to.throw(TypeError, '`url`');
    expect(() => httpCheck(url, { expect: '6xx' as never })).to.throw(TypeError, '`expect`');
    expect(() => httpCheck(url, { expect: [] })).to.throw(TypeError, '`expect`');
    expect(() => httpCheck(url, { method: 'GET /' })).to.throw(TypeError, '`method`');
  });

  it('throws a TypeError at the call for a method or header fetch would refuse, never at the first run', () => {
    for (const method of ['CONNECT', 'TRACE', 'TRACK', 'G T', '']) {
      expect(() => httpCheck(url, { method }), method).to.throw(TypeError, '`method`');
    }
    expect(() => httpCheck(url, { headers: { 'bad name': 'x' } })).to.throw(TypeError, '`headers`');
    expect(() => httpCheck(url, { headers: { 'X-Probe': 'a\r\nInjected: yes' } })).to.throw(TypeError, '`headers`');
    expect(() => httpCheck(url, { headers: { 'X-Probe': 'a\u0000b' } })).to.throw(TypeError, '`headers`');
    expect(() => httpCheck(url, { method: 'PATCH', headers: { 'X-Probe': 'ok' } })).to.not.throw();
    // Ports fetch refuses with `bad port` on every request (SMTP, X11, SIP, …).
    for (const port of [25, 6000, 5060])
      expect(() => httpCheck(`http://127.0.0.1:${port}/`), String(port)).to.throw(TypeError, '`url`');
  });
});

describe('httpCheck() with credentials in its URL', () => {
  it('sends them as Authorization: Basic, and the password reaches no message, log line or answer', async () => {
    let authorization: string | undefined;
    let code = 200;
    const { server, url } = await serve((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(code).end();
    });
    const closed = await serve(() => undefined);
    closed.server.close();
    try {
      const password = 'p@ss:w0rd/secret';
      const withCredentials = (base: string) =>
        base.replace('http://', `http://user%20name:${encodeURIComponent(password)}@`);
      const bus = createHealthBus();
      registerCheck('upstream', httpCheck(withCredentials(url)), { bus });
      registerCheck('refused', httpCheck(withCredentials(closed.url)), { bus });
      const { app, logger } = makeApp({ bus });
      const said: string[] = [];
      for (code of [200, 500]) {
        said.push((await request(app.callback()).get('/health?checks=all&format=json')).text);
        said.push((await request(app.callback()).get('/health/ready?verbose')).text);
      }
      expect(authorization).to.equal(`Basic ${Buffer.from(`user name:${password}`).toString('base64')}`);
      said.push(...logger.lines.map(([, line]) => line));
      const everything = said.join('\n');
      expect(everything).to.include('HTTP 500');
      expect(everything).to.include('ECONNREFUSED');
      for (const part of [password, encodeURIComponent(password), 'w0rd', 'user%20name'])
        expect(everything).to.not.include(part);
      expect(() => httpCheck(withCredentials(url), { headers: { Authorization: 'Bearer x' } })).to.throw(
        TypeError,
        '`url`',
      );
    } finally {
      server.close();
    }
  });
});

describe('httpCheck() failures, said by their cause', () => {
  it('names ECONNREFUSED, ENOTFOUND and the TLS error, never just "fetch failed"', async () => {
    const closed = await serve(() => undefined);
    closed.server.close();
    const refused = await run(httpCheck(closed.url));
    expect(refused.message).to.match(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const notFound = await run(httpCheck('http://no-such-host.invalid/'), 3000);
    expect(notFound.message).to.match(/ENOTFOUND|EAI_AGAIN/);
    const plain = await serve((_req, res) => res.end('not TLS'));
    try {
      const tls = await run(httpCheck(plain.url.replace('http:', 'https:')));
      expect(tls.message).to.match(/^(ERR_SSL_WRONG_VERSION_NUMBER: wrong version number|ECONNRESET: .*)$/);
      expect(tls.message).to.not.include('fetch failed');
    } finally {
      plain.server.close();
    }
  });
});
