import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const probe = fileURLToPath(new URL('../../dist/cli/probe.js', import.meta.url));

/** Runs the built CLI as a real child process. */
function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [probe, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => resolve({ code, out, err, ms: performance.now() - started }));
  });
}

describe('koa-health-probe, as a child process against a real server', function () {
  this.timeout(20_000);
  let server: Server;
  let base: string;
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const paths: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      paths.push(req.url!);
      const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
      if (req.url!.startsWith('/silent')) return;
      if (req.url!.startsWith('/words')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '));
        return;
      }
      if (req.url!.startsWith('/huge')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('x'.repeat(5 * 1024 * 1024));
        return;
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status === 299 ? 'MAINTENANCE' : status >= 400 ? 'ERROR' : 'OK');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('exits 0 for a 2xx and prints one line with the status, the state and the time', async () => {
    const { code, out, err } = await run([`${base}/health/ready`]);
    expect(code).to.equal(0);
    expect(out).to.match(/^200 OK \d+ ms\n$/);
    expect(err).to.equal('');
  });

  it('defaults to $HEALTH_URL, else 127.0.0.1:$PORT/health/live (--ready: /health/ready), and sends $HEALTH_AUTH as a bearer token', async () => {
    seen.length = 0;
    paths.length = 0;
    expect((await run([], { HEALTH_URL: `${base}/from-env`, HEALTH_AUTH: 's3cret' })).code).to.equal(0);
    expect(seen[0]!.authorization).to.equal('Bearer s3cret');
    const { port } = server.address() as AddressInfo;
    expect((await run(['--quiet'], { PORT: String(port) })).code).to.equal(0);
    expect((await run(['--quiet', '--ready'], { PORT: String(port) })).code).to.equal(0);
    expect(paths).to.deep.equal(['/from-env', '/health/live', '/health/ready']);
    expect((await run(['--ready', `${base}/x`])).code).to.equal(1);
  });

  it('counts 299 MAINTENANCE as success unless --fail-on-maintenance, and any other status as failure', async () => {
    expect((await run([`${base}/?status=299`])).code).to.equal(0);
    const strict = await run([`${base}/?status=299`, '--fail-on-maintenance']);
    expect(strict.code).to.equal(1);
    expect(strict.out).to.match(/^299 MAINTENANCE \d+ ms: in maintenance\n$/);
    const failing = await run([`${base}/?status=503`]);
    expect(failing.code).to.equal(1);
    expect(failing.out).to.match(/^503 ERROR \d+ ms: expected 2xx\n$/);
    expect((await run([`${base}/?status=503`, '--expect', '503'])).code).to.equal(0);
    expect((await run([`${base}/?status=204`, '--expect', '200,204'])).code).to.equal(0);
  });

  it('fails with exit 1 and a reason on a refused port, a server that never answers, and a host not found', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await run([`http://127.0.0.1:${port}/`]);
    expect([refused.code, refused.out]).to.satisfy(
      ([code, out]: [number, string]) => code === 1 && out.startsWith('refused: '),
    );
    const silent = await run([`${base}/silent`, '--timeout', '300ms']);
    expect(silent.code).to.equal(1);
    expect(silent.out).to.match(/^failed: timed out after 300 ms \(\d+ ms\)\n$/);
    expect(silent.ms).to.be.below(3000);
    const unknown = await run(['http://no-such-host.invalid/']);
    expect(unknown.code).to.equal(1);
    expect(unknown.out).to.match(/^host not found: /);
  });

  it('prints at most 4 KB, however much the server sends, and nothing with --quiet', async () => {
    const huge = await run([`${base}/huge`, '--expect', '5xx']);
    expect(huge.code).to.equal(1);
    expect(Buffer.byteLength(huge.out)).to.be.at.most(4096);
    expect(huge.out.split('\n')).to.have.length(2);
    const quiet = await run([`${base}/?status=503`, '--quiet']);
    expect([quiet.code, quiet.out, quiet.err]).to.deep.equal([1, '', '']);
  });

  it('answers --help with usage and exit 0; a bad argument with one line of usage and exit 1, never 2 or a stack trace', async () => {
    const help = await run(['--help']);
    expect(help.code).to.equal(0);
    expect(help.out).to.match(/^usage: koa-health-probe \[URL \| --ready\]/);
    for (const args of [
      ['--timeout', '2h'],
      ['--timeout'],
      ['--expect', 'sometimes'],
      ['--header', 'no colon'],
      ['--what'],
      ['a', 'b'],
      ['ftp://x/'],
    ]) {
      const bad = await run(args);
      expect(bad.code, args.join(' ')).to.equal(1);
      expect(`${bad.out}${bad.err}`.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(`${bad.out}${bad.err}`, args.join(' ')).to.not.match(/\n\s+at /);
    }
  });

  it('sends --header and accepts 500ms, 2s and 1m', async () => {
    seen.length = 0;
    for (const timeout of ['500ms', '2s', '1m'])
      expect((await run([base, '--timeout', timeout, '--header', 'X-Probe: docker'])).code).to.equal(0);
    expect(seen.map((headers) => headers['x-probe'])).to.deep.equal(['docker', 'docker', 'docker']);
  });

  it('cuts the one line at a word boundary with an ellipsis', async () => {
    const long = await run([`${base}/words`, '--expect', '5xx']);
    expect(long.code).to.equal(1);
    const [status, ...rest] = long.out.trim().split(' ');
    expect(status).to.equal('200');
    // The state: the body's first line, cut after a whole word.
    expect(rest.join(' ')).to.match(/^(?:word\d+ )+word\d+… \d+ ms: expected 5xx$/);
  });
});

/** A raw TCP server answering as no HTTP server should, by the path asked for. */
function misbehaving(): Promise<{ server: NetServer; base: string }> {
  const server = createNetServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (data: Buffer) => {
      const path = /^GET (\S+)/.exec(data.toString())?.[1];
      const every = (ms: number, write: () => void): void => {
        const timer = setInterval(write, ms);
        socket.once('close', () => clearInterval(timer));
      };
      if (path === '/upgrade')
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (path === '/processing') every(50, () => socket.write('HTTP/1.1 102 Processing\r\n\r\n'));
      if (path === '/hangup') socket.end();
      if (path === '/trickle-status') {
        const status = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK';
        let sent = 0;
        every(100, () => socket.write(status[sent++] ?? ''));
      }
      if (path === '/trickle-body') {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
        every(100, () => socket.write('x'));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('koa-health-probe against a server that misbehaves', function () {
  this.timeout(20_000);
  let bad: { server: NetServer; base: string };
  before(async () => (bad = await misbehaving()));
  after(() => bad.server.close());

  it('bounds the whole probe by --timeout: a status line or body trickled a byte at a time, or 1xx that never end', async () => {
    for (const path of ['/trickle-status', '/trickle-body', '/processing']) {
      const { code, out, ms } = await run([`${bad.base}${path}`, '--timeout', '500ms']);
      expect({ path, code }).to.deep.equal({ path, code: 1 });
      expect(out).to.match(/^failed: timed out after 500 ms \(\d+ ms\)\n$/);
      expect(ms, path).to.be.below(2500);
    }
  });

  it('fails with one line on a 101 or a connection closed without an answer: never a silent exit 0', async () => {
    const upgrade = await run([`${bad.base}/upgrade`]);
    expect([upgrade.code, upgrade.out]).to.satisfy(
      ([code, out]: [number, string]) =>
        code === 1 && /^failed: 101 Switching Protocols: an upgrade, not a health answer \(\d+ ms\)\n$/.test(out),
    );
    const hangup = await run([`${bad.base}/hangup`]);
    expect([hangup.code, hangup.out]).to.satisfy(
      ([code, out]: [number, string]) =>
        code === 1 && /^failed: connection closed without an answer \(\d+ ms\)\n$/.test(out),
    );
  });
});
