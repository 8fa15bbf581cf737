import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { expect } from 'chai';
import { tlsCheck } from '../../src/checks/index.js';
import type { CheckFunction } from '../../src/index.js';
import { runCheck, tempDir } from '../helpers.js';

/** Runs one check as a run does: its result, and how long the run took. */
const run = (fn: CheckFunction, timeout = 2000) => runCheck(fn, timeout);

describe('tlsCheck() against local TLS servers, with certificates made by openssl', function () {
  this.timeout(20_000);
  const dir = tempDir();
  const servers: Server[] = [];
  let ca = '';
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir.dir, stdio: 'pipe' });

  /** A key and a certificate for `names`, signed by the test CA (or by itself) for `days` days. */
  const certificate = (
    file: string,
    days: number,
    names: string,
    selfSigned = false,
  ): { key: string; cert: string } => {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    writeFileSync(join(dir.dir, `${file}.ext`), `subjectAltName=${names}\n`);
    if (selfSigned) {
      openssl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${file}.key`,
        '-out',
        `${file}.crt`,
        '-days',
        String(days),
        '-subj',
        '/CN=localhost',
        '-addext',
        `subjectAltName=${names}`,
      );
    } else {
      openssl('req', ...ec, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', '/CN=localhost');
      openssl(
        'x509',
        '-req',
        '-in',
        `${file}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-days',
        String(days),
        '-extfile',
        `${file}.ext`,
        '-out',
        `${file}.crt`,
      );
    }
    return {
      key: readFileSync(join(dir.dir, `${file}.key`), 'utf8'),
      cert: readFileSync(join(dir.dir, `${file}.crt`), 'utf8'),
    };
  };

  /** A TLS server on 127.0.0.1 with that certificate; its port. */
  const serve = async (pair: { key: string; cert: string }): Promise<number> => {
    const server = createServer(pair, (socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };

  before(() => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '365',
      '-subj',
      '/CN=koa-health test CA',
    );
    ca = readFileSync(join(dir.dir, 'ca.crt'), 'utf8');
  });
  after(() => {
    for (const server of servers) server.close();
    dir.remove();
  });

  it('passes a trusted certificate, warns 10 and 5 days before expiry, fails at 2 days and once expired', async () => {
    const check = async (days: number) => {
      const port = await serve(certificate(`leaf${days}`, days, 'DNS:localhost'));
      return run(tlsCheck('127.0.0.1', port, { servername: 'localhost', ca }));
    };
    const valid = await check(90);
    expect(valid.status, valid.message).to.equal('OK');
    expect(valid.message).to.match(/^certificate valid for 90 days \(\d{4}-\d\d-\d\d\), issued by koa-health test CA$/);
    expect(valid.details).to.include({ subject: 'localhost', issuer: 'koa-health test CA', daysLeft: 90 });
    const ten = await check(10);
    expect(ten).to.include({ status: 'WARN' });
    expect(ten.message).to.match(/^certificate expires in 10 days \(\d{4}-\d\d-\d\d\)$/);
    expect(await check(5)).to.include({ status: 'WARN' });
    const two = await check(2);
    expect(two).to.include({ status: 'ERROR' });
    expect(two.message).to.match(/^certificate expires in 2 days/);
    const expired = await check(-1);
    expect(expired).to.include({ status: 'ERROR' });
    expect(expired.message).to.match(/^certificate expired 1 day ago \(\d{4}-\d\d-\d\d\)$/);
  });

  it('fails a certificate Node does not trust, with the reason: self-signed, unknown issuer, hostname mismatch', async () => {
    const selfSigned = await serve(certificate('self', 90, 'DNS:localhost', true));
    const own = await run(tlsCheck('127.0.0.1', selfSigned, { servername: 'localhost' }));
    expect(own).to.include({ status: 'ERROR', message: 'certificate not trusted: self-signed certificate' });
    const signed = await serve(certificate('private', 90, 'DNS:localhost'));
    // The test CA is not one Node trusts unless it is given.
    const unknown = await run(tlsCheck(`https://127.0.0.1:${signed}/`, { servername: 'localhost' }));
    expect(unknown).to.include({
      status: 'ERROR',
      message: 'certificate not trusted: unable to verify the first certificate',
    });
    const wrongHost = await run(tlsCheck(`https://127.0.0.1:${signed}/`, { servername: 'api.example.com', ca }));
    expect(wrongHost).to.include({ status: 'ERROR', message: 'certificate not trusted: hostname mismatch' });
  });

  it('fails at once on a refused port and at the deadline on a server that never answers', async () => {
    const closed = createServer({});
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    closed.close();
    const refused = await run(tlsCheck('127.0.0.1', port));
    expect(refused).to.include({ status: 'ERROR', message: `ECONNREFUSED connecting to 127.0.0.1:${port}` });
    // A plain TCP server that accepts and says nothing: no handshake ever.
    const { createServer: createTcp } = await import('node:net');
    const silent = createTcp(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = await run(tlsCheck('127.0.0.1', (silent.address() as { port: number }).port), 200);
    expect(hung).to.include({ status: 'ERROR', message: 'timed out after 200 ms' });
    expect(hung.elapsed).to.be.below(400);
    silent.close();
  });

  it('throws a TypeError naming a wrong argument when called', () => {
    expect(() => tlsCheck('', 443)).to.throw(TypeError, '`host`');
    expect(() => tlsCheck('example.com', 70_000)).to.throw(TypeError, '`port`');
    expect(() => tlsCheck('http://example.com/')).to.throw(TypeError, '`url`');
    expect(() => tlsCheck('not a url')).to.throw(TypeError, '`url`');
    expect(() => tlsCheck('example.com', 443, { warnDays: -1 })).to.throw(TypeError, '`warnDays`');
    expect(() => tlsCheck('example.com', 443, { warnDays: 3, errorDays: 7 })).to.throw(TypeError, '`errorDays`');
    expect(() => tlsCheck('example.com', 443, { warn: 3 } as object)).to.throw(TypeError, '`warn` is not an option');
  });
});
