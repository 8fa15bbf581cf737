import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { FaultProxy } from '../checks/proxy.js';
import { POSTGRES, requireService } from '../checks/services.js';
import { requireProgram, sleep, tempDir } from '../helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const rules = join(root, 'prometheus/alerts.yml');
const PROMTOOL = '/usr/bin/promtool';
const PROMETHEUS = '/usr/bin/prometheus';
const run = promisify(execFile);

describe('prometheus/alerts.yml', () => {
  before(function () {
    requireProgram(this, PROMTOOL, 'apt-get install prometheus');
  });

  it('is valid, and passes its unit tests (prometheus/alerts.test.yml) in promtool', async () => {
    const checked = await run(PROMTOOL, ['check', 'rules', rules]);
    expect(checked.stdout).to.contain('SUCCESS: 5 rules found');
    const tested = await run(PROMTOOL, ['test', 'rules', join(root, 'prometheus/alerts.test.yml')]);
    expect(tested.stdout).to.contain('SUCCESS');
  });

  it('has unit tests that fail when a rule is wrong', async () => {
    const { dir, remove } = tempDir();
    try {
      // The failing rule waiting 1 minute instead of 5: the test that expects no alert at 6 minutes must catch it.
      writeFileSync(join(dir, 'alerts.yml'), readFileSync(rules, 'utf8').replace('for: 5m', 'for: 1m'));
      writeFileSync(join(dir, 'alerts.test.yml'), readFileSync(join(root, 'prometheus/alerts.test.yml')));
      const outcome = await run(PROMTOOL, ['test', 'rules', join(dir, 'alerts.test.yml')]).then(
        () => 'passed',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(outcome).to.contain('FAILED');
      expect(outcome).to.contain('KoaHealthCheckFailing');
    } finally {
      remove();
    }
  });
});

/** A port nothing listens on now: bound on 127.0.0.1 port 0, then let go, for a program that cannot take 0. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the first match of `pattern` in a child's output. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeout: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeout} ms in: ${seen}`)), timeout);
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}: ${seen}`));
    });
  });
}

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

describe('the alerts end to end: a real Prometheus scraping the example app', function () {
  this.timeout(90_000);
  let proxy: FaultProxy | undefined;
  const children: ChildProcess[] = [];
  const dirs: Array<() => void> = [];

  before(async function () {
    requireProgram(this, PROMETHEUS, 'apt-get install prometheus');
    await requireService(this, POSTGRES);
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await proxy?.close();
    for (const remove of dirs) remove();
  });

  it("sees a check's alert pending, then firing, through Prometheus' API when the example's database goes away; then resolved", async () => {
    proxy = await FaultProxy.start(POSTGRES.port);
    const example = spawn(process.execPath, ['--import', 'tsx', 'example/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
        HEALTH_REFRESH_MS: '300',
        DISABLE_FILE: join(root, '.test-tmp/no-such-maintenance-file'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(example);
    const [, appPort] = await waitForOutput(example, /example listening on http:\/\/localhost:(\d+)\//, 30_000);

    const { dir, remove } = tempDir();
    dirs.push(remove);
    // The shipped rules, with their holds shortened from minutes to seconds for a test that takes seconds.
    writeFileSync(join(dir, 'alerts.yml'), readFileSync(rules, 'utf8').replace(/for: \d+[mh]/g, 'for: 3s'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [alerts.yml]',
        'scrape_configs:',
        '  - job_name: example',
        `    static_configs: [{ targets: ['127.0.0.1:${appPort}'] }]`,
      ].join('\n'),
    );
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    const prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(prometheus);
    const api = `http://127.0.0.1:${port}`;
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${api}${path}`);
      return ((await response.json()) as { data: T }).data;
    };
    const until = async <T>(what: string, read: () => Promise<T | undefined>, timeout = 30_000): Promise<T> => {
      const deadline = Date.now() + timeout;
      for (;;) {
        const value = await read().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}`);
        await sleep(250);
      }
    };
    const databaseAlert = async (): Promise<Alert | undefined> => {
      const { alerts } = await get<{ alerts: Alert[] }>('/api/v1/alerts');
      return alerts.find(({ labels }) => labels.alertname === 'KoaHealthCheckFailing' && labels.check === 'database');
    };

    // Healthy, as Prometheus sees it: the database check scraped at 2 (OK), and no alert.
    await until('the database check scraped as OK', async () => {
      const result = await get<{ result: Array<{ value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent('koa_health_check_status{check="database"}')}`,
      );
      return result.result[0]?.value[1] === '2' ? true : undefined;
    });
    expect(await databaseAlert()).to.equal(undefined);

    await proxy.refuse();
    const pending = await until('the alert pending', async () => {
      const alert = await databaseAlert();
      return alert?.state === 'pending' ? alert : undefined;
    });
    expect(pending.labels).to.deep.include({ severity: 'critical', job: 'example', instance: `127.0.0.1:${appPort}` });
    await until('the alert firing', async () => ((await databaseAlert())?.state === 'firing' ? true : undefined));

    await proxy.restore();
    await until('the alert resolved', async () => ((await databaseAlert()) === undefined ? true : undefined));
  });
});
