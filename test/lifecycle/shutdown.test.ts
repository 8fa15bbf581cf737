import { Agent, createServer, get as httpGet, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { createHealthBus, gracefulShutdown, health } from '../../src/index.js';
import { type ChildApp, startApp } from './child.js';

/** One GET through `agent`: the status and the whole body, or the error's code. */
function fetchOnce(
  port: number,
  path: string,
  agent?: Agent,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

const status = async (app: ChildApp, path: string) => {
  const answer = await fetchOnce(app.port, path);
  return 'status' in answer ? answer.status : answer.error;
};

describe('gracefulShutdown(), on real signals in a child process', function () {
  this.timeout(30_000);

  it('turns readiness 503 at SIGTERM while liveness stays 200, through the delay, then exits by the signal', async () => {
    const app = await startApp({ shutdownDelay: 800 });
    expect(await status(app, '/health/ready')).to.equal(200);
    const signalled = performance.now();
    app.child.kill('SIGTERM');
    while (!app.output().includes('draining')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect([await status(app, '/health/ready'), await status(app, '/health/live')]).to.deep.equal([503, 200]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect([
      await status(app, '/health/ready'),
      await status(app, '/health/live'),
      await status(app, '/'),
    ]).to.deep.equal([503, 200, 200]);
    const { code, signal, at } = await app.exited;
    expect({ code, signal }).to.deep.equal({ code: null, signal: 'SIGTERM' });
    expect(at - signalled).to.be.within(800, 1500);
    expect(app.output()).to.match(
      /shut down after SIGTERM: \d+ requests served after the signal, \d+ idle sockets closed, 0 sockets destroyed; beforeShutdown \d+ ms, delay \d+ ms, drain \d+ ms, onShutdown \d+ ms/,
    );
  });

  it('drops no request: keep-alive clients sending through SIGTERM get complete 2xx answers, then refusals', async () => {
    const app = await startApp({ shutdownDelay: 400, drainTimeout: 2000 });
    const answers: Array<{ status: number; body: string } | { error: string }> = [];
    let stop = false;
    const client = async (): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stop) {
        const answer = await fetchOnce(app.port, '/', agent);
        answers.push(answer);
        if ('error' in answer) break;
      }
      agent.destroy();
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((resolve) => setTimeout(resolve, 200));
    app.child.kill('SIGTERM');
    await app.exited;
    stop = true;
    await Promise.all(clients);
    const served = answers.filter((answer) => 'status' in answer);
    const errors = answers.filter((answer): answer is { error: string } => 'error' in answer).map(({ error }) => error);
    expect(served.length).to.be.above(20);
    expect(served.every((answer) => answer.status === 200 && answer.body.length === 1000)).to.equal(true);
    // Each client ends on a refused connection: never a reset, a hang-up or a truncated body.
    expect(errors).to.deep.equal(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('lets a slow request outlive the delay, cuts one longer than drainTimeout, and exits on time', async () => {
    const app = await startApp({ shutdownDelay: 200, drainTimeout: 1000 });
    const slow = fetchOnce(app.port, '/slow?ms=700');
    const slower = fetchOnce(app.port, '/slow?ms=5000');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const signalled = performance.now();
    app.child.kill('SIGTERM');
    expect(await slow).to.deep.include({ status: 200 });
    expect(await slower).to.have.property('error');
    const { at } = await app.exited;
    // shutdownDelay + drainTimeout, and a little for the process to go.
    expect(at - signalled).to.be.within(1200, 1700);
    expect(app.output()).to.include('1 sockets destroyed');
  });

  it('bounds the hooks: one that hangs or throws is logged and skipped, and the exit code says it', async () => {
    const hanging = await startApp({ hooks: 'hang', hookTimeout: 300 });
    const signalled = performance.now();
    hanging.child.kill('SIGTERM');
    const hung = await hanging.exited;
    expect(hung.code).to.equal(1);
    expect(hung.at - signalled).to.be.within(300, 1000);
    expect(hanging.output()).to.include('beforeShutdown failed, skipped: timed out after 300 ms');
    const throwing = await startApp({ hooks: 'throw' });
    throwing.child.kill('SIGTERM');
    expect((await throwing.exited).code).to.equal(1);
    expect(throwing.output()).to.include('onShutdown failed, skipped: pool would not close');
    const logging = await startApp({ hooks: 'log' });
    logging.child.kill('SIGINT');
    expect((await logging.exited).signal).to.equal('SIGINT');
    expect(logging.output().indexOf('hook beforeShutdown')).to.be.below(logging.output().indexOf('hook onShutdown'));
  });

  it('exits at once on a second SIGINT', async () => {
    const app = await startApp({ shutdownDelay: 10_000, drainTimeout: 10_000, hookTimeout: 1000 });
    app.child.kill('SIGINT');
    while (!app.output().includes('draining')) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = performance.now();
    app.child.kill('SIGINT');
    const { signal, at } = await app.exited;
    expect(signal).to.equal('SIGINT');
    expect(at - second).to.be.below(500);
  });
});

describe('gracefulShutdown() set up in-process', () => {
  it('throws a TypeError saying which to lower when the phases overrun the grace period', () => {
    const server = createServer();
    expect(() => gracefulShutdown(server, { shutdownDelay: 20_000, drainTimeout: 10_000, exit: false })).to.throw(
      TypeError,
      /40000 ms overruns gracePeriod \(30000 ms\): lower shutdownDelay/,
    );
    expect(() => gracefulShutdown(server, { hookTimeout: 12_000, exit: false })).to.throw(
      TypeError,
      'lower hookTimeout',
    );
    expect(() =>
      gracefulShutdown(server, {
        gracePeriod: 60_000,
        shutdownDelay: 20_000,
        drainTimeout: 10_000,
        exit: false,
        signals: ['SIGUSR2'],
      }),
    ).to.not.throw();
    expect(() => gracefulShutdown({} as never)).to.throw(TypeError, '`server`');
    expect(() => gracefulShutdown(server, { drainTimeout: -1 })).to.throw(TypeError, 'drainTimeout');
    expect(() => gracefulShutdown(server, { signals: ['TERM' as NodeJS.Signals] })).to.throw(TypeError, 'signals');
    expect(() => gracefulShutdown(server, { health: {} as never })).to.throw(TypeError, 'health');
    process.removeAllListeners('SIGUSR2');
  });

  it('closes an idle keep-alive socket at the drain without resetting it, and counts it', async () => {
    const mount = health({ bus: createHealthBus(), disableFile: false, logger: false });
    const server = new Koa()
      .use(mount)
      .use((ctx) => void (ctx.body = 'app'))
      .listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const handle = gracefulShutdown(server, { health: mount, exit: false, signals: ['SIGUSR2'], logger: false });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const closed = new Promise<boolean>((resolve) => {
      httpGet({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        // Kept alive, then idle in the agent's pool when the drain begins.
        res.socket.once('close', (hadError: boolean) => resolve(hadError));
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const report = await handle.shutdown();
    expect(report.socketsClosedIdle).to.equal(1);
    expect(await closed, 'closed with an error').to.equal(false);
    expect(await fetchOnce(port, '/', agent)).to.deep.equal({ error: 'ECONNREFUSED' });
    agent.destroy();
  });

  it('shuts down by code with exit: false, with its state and report', async () => {
    const bus = createHealthBus();
    const mount = health({ bus, disableFile: false, logger: false });
    const app = new Koa().use(mount);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const lines: string[] = [];
    const handle = gracefulShutdown(server, {
      health: mount,
      exit: false,
      signals: ['SIGUSR2'],
      logger: { info: (line) => lines.push(line), warn() {}, error() {} },
    });
    expect(handle.state).to.equal('running');
    await request(server).get('/health/ready').expect(200);
    const report = handle.shutdown();
    expect(handle.state).to.equal('draining');
    expect(handle.shutdown()).to.equal(report);
    await request(app.callback()).get('/health/ready').expect(503);
    const { requestsServed, socketsDestroyed, failed } = await report;
    expect({ socketsDestroyed, failed }).to.deep.equal({ socketsDestroyed: 0, failed: false });
    expect(requestsServed).to.be.a('number');
    expect(handle.state).to.equal('closed');
    expect(server.listening).to.equal(false);
    expect(lines.at(-1)).to.match(/^koa-health: shut down after shutdown\(\)/);
    expect(process.listenerCount('SIGUSR2')).to.equal(0);
  });
});

/** A Koa app with a slow route, listening on port 0, with gracefulShutdown() by code (exit: false). */
async function drainable(options: Parameters<typeof gracefulShutdown>[1] = {}) {
  const mount = health({ bus: createHealthBus(), disableFile: false, logger: false });
  const handled: string[] = [];
  const app = new Koa().use(mount).use(async (ctx) => {
    handled.push(ctx.url);
    await new Promise((resolve) => setTimeout(resolve, Number(ctx.query.ms ?? 0)));
    ctx.body = `answer ${ctx.url}`;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = gracefulShutdown(server, {
    health: mount,
    exit: false,
    signals: ['SIGUSR2'],
    logger: false,
    ...options,
  });
  return { server, port, handle, handled };
}

describe('gracefulShutdown(), the drain against what clients do', () => {
  it('answers a request in flight at the signal with Connection: close, and its socket does not hold the exit', async () => {
    const { port, handle } = await drainable({ drainTimeout: 5000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = new Promise<IncomingMessage>((resolve) => {
        httpGet({ host: '127.0.0.1', port, path: '/slow?ms=300', agent }, (res) => {
          res.resume();
          resolve(res);
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const signalled = performance.now();
      const report = handle.shutdown();
      expect((await answer).headers.connection).to.equal('close');
      await report;
      // The slow request's 250 ms left, not Node's keepAliveTimeout (5 s) nor drainTimeout.
      expect(performance.now() - signalled).to.be.within(200, 1000);
      expect((await report).socketsDestroyed).to.equal(0);
    } finally {
      agent.destroy();
    }
  });

  it('does not let a connection that has sent nothing (a preconnect, a scanner) hold the exit until drainTimeout', async () => {
    const { port, handle } = await drainable({ drainTimeout: 5000 });
    const idle = connect(port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    const closed = new Promise<boolean>((resolve) => idle.once('close', resolve));
    idle.on('error', () => {});
    idle.resume();
    const signalled = performance.now();
    const report = await handle.shutdown();
    expect(performance.now() - signalled).to.be.below(1500);
    expect(report.socketsDestroyed).to.equal(0);
    expect(await closed, 'closed with an error').to.equal(false);
  });

  it('answers every pipelined request the app handled after the signal, or does not handle it at all', async () => {
    const { port, handle, handled } = await drainable({ shutdownDelay: 300 });
    const report = handle.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => {});
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const pipelined = [1, 2, 3, 4]
      .map((id) => `GET /slow?ms=${10 * (5 - id)}&id=${id} HTTP/1.1\r\nHost: x\r\n\r\n`)
      .join('');
    socket.write(pipelined);
    // A request sent later on the same connection, after the answers began: it may go unread, never unanswered.
    setTimeout(() => socket.writable && socket.write('GET /slow?ms=0&id=5 HTTP/1.1\r\nHost: x\r\n\r\n'), 60);
    await ended;
    await report;
    const answered = [...received.matchAll(/answer \/slow\?ms=\d+&id=(\d)/g)].map((match) => `id=${match[1]}`);
    expect(handled.length).to.be.at.least(4);
    expect(answered).to.deep.equal(handled.map((url) => /id=\d/.exec(url)![0]));
    expect(received.match(/Connection: close/gi)).to.have.length(1);
  });

  it('refuses a signal Node does not know or that cannot be caught, leaving no listener; a second call on one server is an error', () => {
    const server = createServer();
    const before = {
      term: process.listenerCount('SIGTERM'),
      request: server.listenerCount('request'),
      connection: server.listenerCount('connection'),
    };
    for (const signals of [['SIGFOO'], ['SIGKILL'], ['SIGTERM', 'SIGSTOP'], ['sigterm']]) {
      expect(
        () => gracefulShutdown(server, { signals: signals as NodeJS.Signals[], exit: false }),
        signals.join(),
      ).to.throw(TypeError, '`signals`');
    }
    expect({
      term: process.listenerCount('SIGTERM'),
      request: server.listenerCount('request'),
      connection: server.listenerCount('connection'),
    }).to.deep.equal(before);
    gracefulShutdown(server, { signals: ['SIGUSR2'], exit: false, logger: false });
    expect(() => gracefulShutdown(server, { signals: ['SIGUSR2'], exit: false, logger: false })).to.throw(
      Error,
      'already set up for this server',
    );
    expect(process.listenerCount('SIGUSR2')).to.equal(1);
    process.removeAllListeners('SIGUSR2');
  });
});
