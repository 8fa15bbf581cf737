import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { registerCheck } from '../../src/index.js';
import { makeApp, requireProgram, sleep, tempDir } from '../helpers.js';

const HAPROXY = '/usr/sbin/haproxy';
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's HAProxy backend, pointed at `port`, checking every 100 ms instead of 2 s. */
function readmeBackend(port: number, check?: string): string {
  const start = readme.indexOf('## HAProxy');
  const block = readme.slice(start).match(/```\n(backend app[\s\S]*?)```/)?.[1];
  if (block === undefined) throw new Error('no HAProxy backend in the README');
  let backend = block.replace('127.0.0.1:3000', `127.0.0.1:${port}`).replace('inter 2s', 'inter 100ms');
  if (check !== undefined) backend = backend.replace('GET /health', `GET ${check}`);
  return backend;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('behind a real HAProxy, configured as the README says', function () {
  this.timeout(30_000);
  const stops: Array<() => void> = [];

  before(function () {
    requireProgram(this, HAPROXY, 'apt-get install haproxy');
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  /** HAProxy in front of the app; resolves with the URL of its frontend. */
  async function behindHaproxy(appPort: number, dir: string, check?: string): Promise<string> {
    const port = await freePort();
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend web',
      `  bind 127.0.0.1:${port}`,
      '  default_backend app',
      readmeBackend(appPort, check),
    ].join('\n');
    writeFileSync(join(dir, 'haproxy.cfg'), `${config}\n`);
    const haproxy: ChildProcess = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    stops.push(() => haproxy.kill('SIGKILL'));
    return `http://127.0.0.1:${port}/`;
  }

  async function until(url: string, status: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answered = await fetch(url).then(
        (response) => response.status,
        () => 0,
      );
      if (answered === status) return;
      if (Date.now() > deadline) throw new Error(`${url} still answers ${answered}, not ${status}`);
      await sleep(50);
    }
  }

  function listen(app: ReturnType<typeof makeApp>['app']): Promise<Server> {
    const server = app.listen(0, '127.0.0.1');
    stops.push(() => server.close());
    return new Promise((resolve) => server.once('listening', () => resolve(server)));
  }

  it('takes the server out while the disable file exists (the default 299 is not "up") and back once it is gone', async () => {
    const { dir, remove } = tempDir();
    stops.push(remove);
    const disableFile = join(dir, 'maintenance');
    const { app } = makeApp({ disableFile });
    const server = await listen(app);
    const url = await behindHaproxy((server.address() as AddressInfo).port, dir);
    await until(url, 200);
    expect(await (await fetch(url)).text()).to.equal('downstream');
    writeFileSync(disableFile, '');
    await until(url, 503);
    rmSync(disableFile);
    await until(url, 200);
  });

  it('with ?checks=_defaults, takes the server out while a check fails', async () => {
    const { dir, remove } = tempDir();
    stops.push(remove);
    const { app, bus } = makeApp();
    let up = true;
    registerCheck('db', () => up, { bus });
    const server = await listen(app);
    const url = await behindHaproxy((server.address() as AddressInfo).port, dir, '/health?checks=_defaults');
    await until(url, 200);
    up = false;
    await until(url, 503);
    up = true;
    await until(url, 200);
  });
});
