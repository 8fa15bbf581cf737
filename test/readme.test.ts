import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's ts code block that contains `marker`. */
function sample(marker: string): string {
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((code) => code.includes(marker));
  if (block === undefined) throw new Error(`no ts sample in the README contains ${marker}`);
  return block;
}

describe('the README samples, run', () => {
  it('the shutdown sample lets the process exit on SIGTERM, as the signal says', async function () {
    this.timeout(20_000);
    const code = [
      "import Koa from 'koa';",
      "import { gracefulShutdown, health } from 'koa-health';",
      'const app = new Koa();',
      sample(
        'gracefulShutdown(server, { health: healthMiddleware, onShutdown: () => healthMiddleware.close() })',
      ).replace('app.listen(3000)', "app.listen(0, '127.0.0.1')"),
      "server.on('listening', () => console.log('listening'));",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      child.once('exit', () => reject(new Error('exited before listening')));
    });
    child.kill('SIGTERM');
    const exit = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    expect(exit).to.deep.equal([null, 'SIGTERM']);
  });
});

describe('the README check samples, run against the real servers', function () {
  this.timeout(30_000);

  before(async function () {
    const { POSTGRES, MARIADB, RABBITMQ, REDIS, NATS, MOSQUITTO, requireService } = await import(
      './checks/services.js'
    );
    for (const service of [POSTGRES, MARIADB, REDIS, RABBITMQ, NATS, MOSQUITTO]) await requireService(this, service);
  });

  it('each sample of "Ready-made checks" runs as written, and those pointed at this machine pass', async () => {
    const start = readme.indexOf('## Ready-made checks');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(blocks.length).to.be.at.least(9);
    const lines = blocks.flatMap((block) => block.split('\n'));
    // Imports go first (once each); every block's statements in a scope of their own, as separate files would be.
    const imports = [...new Set(lines.filter((line) => line.startsWith('import ')))];
    const bodies = blocks.map(
      (block) =>
        `{\n${block
          .split('\n')
          .filter((line) => !line.startsWith('import '))
          .join('\n')}\n}`,
    );
    const script = [
      ...imports,
      "import { runHealthChecks as run } from 'koa-health';",
      ...bodies,
      // As an app would, give the clients a moment to connect before the first probe.
      'await new Promise((resolve) => setTimeout(resolve, 500));',
      'const { checks } = await run({ timeout: 3000, logger: false });',
      'console.log(JSON.stringify(Object.fromEntries(checks.map(({ name, status, message }) => [name, `${status} ${message}`]))));',
      'process.exit(0);',
    ].join('\n');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(new URL('../.test-tmp/', import.meta.url), { recursive: true });
    const file = new URL('../.test-tmp/readme-checks.ts', import.meta.url);
    writeFileSync(file, script);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(file)], {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
          MYSQL_URL: 'mysql://root@127.0.0.1:3306/test',
          REDIS_URL: 'redis://127.0.0.1:6379',
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
    const results = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, string>;
    expect(Object.keys(results).sort()).to.deep.equal([
      'broker',
      'cache',
      'database',
      'disk',
      'dns',
      'event-loop',
      'jobs',
      'memory',
      'mqtt',
      'mysql',
      'nats',
      'payments',
      'payments-certificate',
      'rabbitmq',
      'search',
      'worker',
    ]);
    for (const name of ['broker', 'cache', 'database', 'event-loop', 'memory', 'mqtt', 'mysql', 'nats', 'rabbitmq'])
      expect(results[name], name).to.match(/^OK/);
    // Pointed at places that are not on this machine: they run, and fail with a reason.
    expect(results.payments).to.match(/^ERROR /);
    expect(results.search).to.match(/^ERROR /);
    // Not critical: shown, at WARN.
    expect(results['payments-certificate']).to.match(/^WARN ENOTFOUND connecting to payments\.internal:443$/);
    expect(results.dns).to.match(/^WARN /);
    // No queue 'jobs' on this machine's RabbitMQ.
    expect(results.jobs).to.equal('WARN queue jobs not found');
    expect(results.disk).to.match(/^ERROR .*ENOENT/);
    // The job loop's first pass is 10 s away: the heartbeat waits for it, and says so.
    expect(results.worker).to.equal('WARN waiting for the first heartbeat (grace 60 s)');
  });
});

/** Runs `script` as a TypeScript file of the package's own checkout; resolves with its last line of output. */
async function runScript(name: string, script: string, env: Record<string, string>): Promise<string> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(new URL('../.test-tmp/', import.meta.url), { recursive: true });
  const file = new URL(`../.test-tmp/${name}.ts`, import.meta.url);
  writeFileSync(file, script);
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(file)], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim().split('\n').at(-1)!) : reject(new Error(`exit ${code}: ${err}`)),
    );
  });
}

describe('the README "Checks over time" sample, run', function () {
  this.timeout(30_000);

  it('runs the database check on its timer: a database that cannot be reached is held at WARN, and requests run nothing', async () => {
    const block = sample('failAfter: 3, recoverAfter: 2');
    const script = [
      "import Koa from 'koa';",
      "import { runHealthChecks as run } from 'koa-health';",
      ...block.split('\n').filter((line) => line.startsWith('import ')),
      'const app = new Koa();',
      ...block.split('\n').filter((line) => !line.startsWith('import ')),
      'const seen: string[] = [];',
      'for (let i = 0; i < 3; i++) {',
      '  const { checks } = await run({ checks: "database", timeout: 3000, logger: false });',
      '  seen.push(`${checks[0]!.status}/${checks[0]!.observed}×${checks[0]!.streak} ${checks[0]!.message.split(":")[0]}`);',
      '}',
      'console.log(JSON.stringify(seen));',
      'process.exit(0);',
    ].join('\n');
    // A port nothing listens on: every query is refused.
    const output = await runScript('readme-over-time', script, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
    });
    // The first request waits for the first scheduled run; the next ones take its result: one run, not three.
    expect(JSON.parse(output)).to.deep.equal(Array(3).fill('WARN/ERROR×1 failing (1 of 3)'));
  });
});

/** What the README's samples take from the app around them, declared as that app would have it. */
const CONTEXT: Record<string, string> = {
  app: "declare const app: import('koa');",
  server: "declare const server: import('node:http').Server;",
  healthMiddleware: "declare const healthMiddleware: import('koa-health').HealthMiddleware;",
  router: "declare const router: import('@koa/router').default;",
  queue: 'declare const queue: unknown[];',
  metrics: 'declare const metrics: { event(text: string): void };',
  appConfig: 'declare const appConfig: Record<string, unknown>;',
  pool: 'declare const pool: { end(): Promise<void> };',
  takeJobs: 'declare function takeJobs(): Promise<number>;',
  runMigrations: 'declare function runMigrations(): Promise<void>;',
  warmCache: 'declare function warmCache(): Promise<void>;',
  reloadConfig: 'declare function reloadConfig(): Promise<void>;',
  workerPool: "declare const workerPool: import('node:events').EventEmitter;",
  startConsumer: 'declare function startConsumer(): void;',
};
/** Names a sample may use without importing, as the sample before it in the same section imported them. */
const IMPORTS: Record<string, string> = {
  health: 'koa-health',
  healthBus: 'koa-health',
  registerCheck: 'koa-health',
  gracefulShutdown: 'koa-health',
  runHealthChecks: 'koa-health',
  environment: 'koa-health/environment',
  outcome: 'koa-health',
  postgresCheck: 'koa-health/checks',
  mysqlCheck: 'koa-health/checks',
  redisCheck: 'koa-health/checks',
  httpCheck: 'koa-health/checks',
  tcpCheck: 'koa-health/checks',
  diskCheck: 'koa-health/checks',
  memoryCheck: 'koa-health/checks',
  eventLoopCheck: 'koa-health/checks',
  heartbeatCheck: 'koa-health/checks',
  dnsCheck: 'koa-health/checks',
  tlsCheck: 'koa-health/checks',
  amqpCheck: 'koa-health/checks',
  grpcCheck: 'koa-health/grpc',
  natsCheck: 'koa-health/checks',
  mqttCheck: 'koa-health/checks',
  availability: 'koa-health',
  loadShedding: 'koa-health/shedding',
  notify: 'koa-health/notify',
};

describe('the README samples, as a user compiles them', function () {
  this.timeout(120_000);

  it('every ts sample compiles against the built package under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', async () => {
    const { mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const dir = fileURLToPath(new URL('../.test-tmp/readme-types/', import.meta.url));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(`${dir}checks`, { recursive: true });
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(blocks.length).to.be.at.least(20);
    const files: string[] = [];
    blocks.forEach((block, index) => {
      const uses = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(block);
      const has = (name: string): boolean =>
        new RegExp(`^import [^;]*\\b${name}\\b|^(?:const|let|function) ${name}\\b`, 'm').test(block);
      const prelude = [
        ...Object.entries(IMPORTS)
          .filter(([name]) => uses(name) && !has(name))
          .map(([name, from]) => `import { ${name} } from '${from}';`),
        ...Object.entries(CONTEXT)
          .filter(([name]) => uses(name) && !has(name))
          .map(([, declaration]) => declaration),
      ];
      // A sample that says which file it is goes there (the check module next to the app that imports it).
      const file = block.startsWith('// checks/database.ts') ? 'checks/database.ts' : `sample-${index}.ts`;
      writeFileSync(`${dir}${file}`, `${prelude.join('\n')}\n${block}\nexport {};\n`);
      files.push(file);
    });
    // The app's own pool, which the check module imports.
    writeFileSync(`${dir}db.ts`, "import pg from 'pg';\nexport const pool = new pg.Pool();\n");
    writeFileSync(
      `${dir}tsconfig.json`,
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: false,
          skipLibCheck: true,
          noEmit: true,
        },
        files: [...files, 'db.ts'],
      }),
    );
    const output = await new Promise<string>((resolve) => {
      const tsc = spawn(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', dir], { cwd: dir });
      let out = '';
      tsc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      tsc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      tsc.once('exit', () => resolve(out));
    });
    expect(output).to.equal('');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the README discovery sample, run from a built app', () => {
  it('finds the check modules beside the module that calls it, wherever the build put them', async () => {
    const { mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const ts = (await import('typescript')).default;
    const dir = fileURLToPath(new URL('../.test-tmp/discover-sample/dist/', import.meta.url));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(`${dir}orders`, { recursive: true });
    const code = ts.transpileModule(sample('discoverChecks(new URL('), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(
      `${dir}server.mjs`,
      `${code}\nconsole.log(JSON.stringify(files.map((file) => file.slice(${JSON.stringify(dir)}.length))));\n`,
    );
    writeFileSync(`${dir}orders/orders.healthchecks.mjs`, 'export {};\n');
    try {
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [`${dir}server.mjs`], { cwd: root });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
      });
      expect(JSON.parse(output)).to.deep.equal(['orders/orders.healthchecks.mjs']);
    } finally {
      rmSync(fileURLToPath(new URL('../.test-tmp/discover-sample/', import.meta.url)), {
        recursive: true,
        force: true,
      });
    }
  });
});

describe('the README "availability()" sample, run', function () {
  this.timeout(30_000);

  it('holds startup for its blocks, refuses traffic during a reload, starts the consumer once ready, and marks broken', async () => {
    const block = sample("levers.block('migrations'");
    const script = [
      "import { createServer, get } from 'node:http';",
      "import { EventEmitter } from 'node:events';",
      "import Koa from 'koa';",
      ...block.split('\n').filter((line) => line.startsWith('import ')),
      'const app = new Koa();',
      // The app's own work, each finished when the script below says so.
      'const done: Record<string, () => void> = {};',
      'const work = (name: string) => new Promise<void>((resolve) => (done[name] = resolve));',
      "const runMigrations = () => work('migrations');",
      "const warmCache = () => work('cache');",
      "const reloadConfig = () => work('reload');",
      'const workerPool = new EventEmitter();',
      'const seen: string[] = [];',
      "const startConsumer = () => seen.push('consumer started');",
      // The app's callback composed per request: the sample adds its middleware after the server listens.
      "const server = createServer((req, res) => app.callback()(req, res)).listen(0, '127.0.0.1');",
      'const probe = (path: string) => new Promise<string>((resolve) => get({ host: "127.0.0.1", port: (server.address() as { port: number }).port, path }, (res) => { let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => resolve(`${path} ${res.statusCode} ${body.split("\\n")[0]}`)); }));',
      'const tick = () => new Promise((resolve) => setTimeout(resolve, 50));',
      'void (async () => {',
      "  await new Promise((resolve) => server.once('listening', resolve));",
      "  seen.push(await probe('/health/startup'), await probe('/health/ready'));",
      '  done.migrations!(); done.cache!(); await tick();',
      "  seen.push(await probe('/health/startup'));",
      "  process.kill(process.pid, 'SIGHUP'); await tick();",
      "  seen.push(await probe('/health/ready'), await probe('/health/live'));",
      '  done.reload!(); await tick();',
      "  seen.push(await probe('/health/ready'));",
      "  workerPool.emit('wedged');",
      "  seen.push(await probe('/health/live'), await probe('/health/ready'));",
      '  console.log(JSON.stringify(seen));',
      '  process.exit(0);',
      '})();',
      ...block.split('\n').filter((line) => !line.startsWith('import ')),
    ].join('\n');
    const output = await runScript('readme-availability', script, {});
    expect(JSON.parse(output)).to.deep.equal([
      '/health/startup 503 STARTING',
      '/health/ready 503 STARTING',
      'consumer started',
      '/health/startup 200 OK',
      '/health/ready 503 REFUSING',
      '/health/live 200 OK',
      '/health/ready 200 OK',
      '/health/live 503 BROKEN',
      '/health/ready 200 OK',
    ]);
  });
});

describe('the README gRPC sample, run', function () {
  this.timeout(30_000);

  it('serves the health protocol from the checks: NOT_SERVING while the inventory backend cannot be reached', async () => {
    const block = sample("grpcHealthService({ services: { '': '_defaults'");
    const script = [
      "import { registerCheck, runHealthChecks } from 'koa-health';",
      "import { credentials, loadPackageDefinition } from '@grpc/grpc-js';",
      "import { loadSync } from '@grpc/proto-loader';",
      ...block.split('\n').filter((line) => line.startsWith('import ')),
      ...block
        .split('\n')
        .filter((line) => !line.startsWith('import '))
        .map((line) =>
          line.replace(
            "grpcServer.bindAsync('0.0.0.0:50051', ServerCredentials.createInsecure(), () => undefined);",
            "const port = await new Promise<number>((resolve) => grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (_e, bound) => resolve(bound)));",
          ),
        ),
      "const proto = loadSync('proto/health.proto', { keepCase: true, enums: String });",
      'const Health = (loadPackageDefinition(proto) as any).grpc.health.v1.Health;',
      'const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure());',
      'const ask = (service: string) => new Promise<string>((resolve) => client.Check({ service }, (error: any, answer: any) => resolve(error ? `${error.code}` : answer.status)));',
      'const { checks } = await runHealthChecks({ checks: "inventory", timeout: 3000, logger: false });',
      "console.log(JSON.stringify([await ask(''), checks[0]!.status, checks[0]!.message.split(':')[0]]));",
      'process.exit(0);',
    ].join('\n');
    const output = await runScript('readme-grpc', script, {});
    expect(JSON.parse(output)).to.deep.equal(['NOT_SERVING', 'ERROR', 'grpc UNAVAILABLE']);
  });
});

describe('the README notify() sample, run', function () {
  this.timeout(30_000);

  it('tells Slack once the database has failed two runs in a row, and the recovery at close()', async () => {
    const { startReceiver } = await import('./notify/receiver.js');
    const receiver = await startReceiver('/services/T000/B000/readme-token');
    try {
      const block = sample("import { notify } from 'koa-health/notify';");
      const script = [
        "import Koa from 'koa';",
        "import { gracefulShutdown, health, registerCheck, runHealthChecks } from 'koa-health';",
        ...block.split('\n').filter((line) => line.startsWith('import ')),
        'const app = new Koa();',
        'const healthMiddleware = health({ disableFile: false, logger: false });',
        'app.use(healthMiddleware);',
        "const server = app.listen(0, '127.0.0.1');",
        'let up = false;',
        "registerCheck('db', () => up);",
        ...block.split('\n').filter((line) => !line.startsWith('import ')),
        'await runHealthChecks({ logger: false });',
        'await runHealthChecks({ logger: false });',
        'up = true;',
        'await runHealthChecks({ logger: false });',
        'await notifier.close();',
        "console.log('closed');",
        'process.exit(0);',
      ].join('\n');
      const output = await runScript('readme-notify', script, { SLACK_WEBHOOK_URL: receiver.url });
      expect(output).to.equal('closed');
      const texts = receiver.json<{ text: string }>().map(({ text }) => text.split('\n')[0]);
      expect(texts).to.have.length(2);
      expect(texts[0]).to.equal(':red_circle: *the service: ERROR (was OK): failing: db*');
      expect(texts[1]).to.match(
        /^:large_green_circle: \*the service: OK \(was ERROR\): recovered after \d+ ms down\*$/,
      );
    } finally {
      await receiver.close();
    }
  });
});
