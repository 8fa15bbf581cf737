import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script in a plain node process in `cwd`. */
function node(cwd: string, args: string[]): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('the built package', () => {
  it('imports by name as ESM', () => {
    const out = node(root, [
      '--input-type=module',
      '-e',
      `
      import { health, healthBus, HealthCheckEvent, runHealthChecks } from 'koa-health';
      console.log(typeof health, typeof healthBus.on, typeof HealthCheckEvent, typeof runHealthChecks);
    `,
    ]);
    expect(out.trim()).to.equal('function function function function');
  });

  it('loads with require()', () => {
    const out = node(root, [
      '-e',
      `
      const { health, healthBus, HealthCheckEvent } = require('koa-health');
      console.log(typeof health({ disableFile: false }), typeof healthBus.emit, typeof HealthCheckEvent);
    `,
    ]);
    expect(out.trim()).to.equal('function function function');
  });

  it('declares ESM, exports for import and require, and types beside each', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg.type).to.equal('module');
    expect(pkg.exports).to.deep.include({ '.': { import: './dist/index.js', require: './dist/index.cjs' } });
    expect(readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8')).to.include('health');
    // The require entry is a one-line wrapper around the ESM, not a second copy of the code.
    expect(readFileSync(new URL('../dist/index.cjs', import.meta.url), 'utf8')).to.equal(
      '\'use strict\';\nmodule.exports = require("./index.js");\n',
    );
  });
});

describe('the packed tarball, installed into an app', function () {
  this.timeout(60_000);
  // Inside the repo, so the installed package finds koa and mitt in the repo's node_modules, as an app's would.
  const app = join(root, '.test-tmp', 'app');

  before(() => {
    rmSync(app, { recursive: true, force: true });
    const installed = join(app, 'node_modules', 'koa-health');
    mkdirSync(installed, { recursive: true });
    // An app of its own: without this package.json, Node would resolve 'koa-health' to the repo by self-reference.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    // pretest built dist/ already: pack what is there, as `npm publish` would.
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], {
      cwd: root,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
  });

  after(() => rmSync(app, { recursive: true, force: true }));

  it("imports environment() from 'koa-health/environment' as ESM; the root leaves it to that subpath", () => {
    const out = node(app, [
      '--input-type=module',
      '-e',
      `
      import { environment } from 'koa-health/environment';
      import * as root from 'koa-health';
      console.log(typeof environment({ secret: 'x' }), !('environment' in root), import.meta.resolve('koa-health'));
    `,
    ]);
    const [kind, same, resolved] = out.trim().split(' ');
    expect([kind, same]).to.deep.equal(['function', 'true']);
    expect(resolved).to.equal(pathToFileURL(join(app, 'node_modules', 'koa-health', 'dist', 'index.js')).href);
  });

  it('gives import and require the same module: one healthBus', () => {
    const out = node(app, [
      '--input-type=module',
      '-e',
      `
      import { createRequire } from 'node:module';
      import { healthBus } from 'koa-health';
      const require = createRequire(import.meta.url);
      console.log(require('koa-health').healthBus === healthBus);
    `,
    ]);
    expect(out.trim()).to.equal('true');
  });

  it('gives import and require one availability: a refusal made through either is the one state', () => {
    const out = node(app, [
      '--input-type=module',
      '-e',
      `
      import { createRequire } from 'node:module';
      import { availability } from 'koa-health';
      const require = createRequire(import.meta.url);
      const release = require('koa-health').availability().refuseTraffic('reload');
      const refusing = availability().state.readiness;
      release();
      console.log(refusing, availability().state.readiness, require('koa-health').availability() === availability());
    `,
    ]);
    expect(out.trim().split('\n').at(-1)).to.equal('REFUSING ACCEPTING true');
  });

  it('typechecks a consumer in every TypeScript resolution mode', () => {
    const consumer = [
      "import { availability, health, healthBus, type HealthOptions, type RunResult } from 'koa-health';",
      "import { loadShedding } from 'koa-health/shedding';",
      'export const shed = loadShedding({ maxEventLoopUtilization: 0.95 });',
      "import { notify, type Notifier } from 'koa-health/notify';",
      "export const notifier: Notifier = notify({ webhook: { url: 'http://127.0.0.1:1/hook', headers: { a: 'b' } }, minInterval: 0 });",
      "export const release: () => void = availability().refuseTraffic('reloading');",
      "import { environment } from 'koa-health/environment';",
      "import { diskCheck, postgresCheck, type PostgresClient } from 'koa-health/checks';",
      'declare const pool: PostgresClient;',
      'export const checks = [diskCheck({ maxUsedRatio: 0.9 }), postgresCheck(pool)];',
      "const options: HealthOptions = { timeout: 2000, expect: ['db'], warnCode: 429, service: { version: '1.0.0' } };",
      'export const middleware = health(options);',
      "export const dump = environment({ secret: 'x' });",
      "healthBus.on('healthresult', (result: RunResult) => void result.status);",
      '',
    ].join('\n');
    const modes: Array<[name: string, file: string, options: Record<string, string>]> = [
      ['node16, CommonJS', 'consumer.cts', { module: 'node16', moduleResolution: 'node16' }],
      ['node16, ESM', 'consumer.mts', { module: 'node16', moduleResolution: 'node16' }],
      ['nodenext', 'consumer.ts', { module: 'nodenext', moduleResolution: 'nodenext' }],
      ['bundler', 'consumer.ts', { module: 'esnext', moduleResolution: 'bundler', target: 'es2022' }],
    ];
    for (const [name, file, options] of modes) {
      const dir = join(app, name.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), consumer);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          // No skipLibCheck: the package's own declarations are checked too.
          compilerOptions: {
            ...options,
            strict: true,
            exactOptionalPropertyTypes: true,
            noEmit: true,
            types: ['node'],
            typeRoots: [join(root, 'node_modules/@types')],
          },
          files: [file],
        }),
      );
      try {
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
          encoding: 'utf8',
        });
      } catch (error) {
        expect.fail(`${name}: ${(error as { stdout?: string }).stdout ?? String(error)}`);
      }
    }
  });

  it('has the right types in every resolution mode, by @arethetypeswrong/cli', () => {
    const tarball = readdirSync(app).find((file) => file.endsWith('.tgz'))!;
    try {
      execFileSync(
        join(root, 'node_modules/.bin/attw'),
        [join(app, tarball), '--profile', 'node16', '--format', 'ascii'],
        {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
    } catch (error) {
      expect.fail((error as { stdout?: string }).stdout ?? String(error));
    }
  });

  it('imports and requires every integration by its subpath', () => {
    const entries: Record<string, string> = {
      'koa-health/checks': 'postgresCheck',
      'koa-health/prometheus': 'prometheusMetrics',
      'koa-health/statsd': 'statsdReporter',
      'koa-health/tracing': 'tracing',
      'koa-health/shedding': 'loadShedding',
      'koa-health/grpc': 'grpcHealthService',
      'koa-health/notify': 'notify',
    };
    for (const [subpath, name] of Object.entries(entries)) {
      const esm = node(app, [
        '--input-type=module',
        '-e',
        `import { ${name} } from '${subpath}'; console.log(typeof ${name});`,
      ]);
      const cjs = node(app, ['-e', `console.log(typeof require('${subpath}').${name})`]);
      expect([esm.trim(), cjs.trim()], subpath).to.deep.equal(['function', 'function']);
    }
  });

  it("ships the probe CLI that the README's HEALTHCHECK lines run", () => {
    const help = node(app, ['node_modules/koa-health/dist/cli/probe.js', '--help']);
    expect(help).to.match(/^usage: koa-health-probe/);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/koa-health/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin).to.deep.equal({ 'koa-health-probe': './dist/cli/probe.js' });
  });

  it("requires 'koa-health/environment': the same function its import gives, one copy of the code", () => {
    const out = node(app, [
      '-e',
      `
      const { environment } = require('koa-health/environment');
      import('koa-health/environment').then((imported) => {
        console.log(typeof environment({ secret: 'x' }), environment === imported.environment, require.resolve('koa-health'));
      });
    `,
    ]);
    const [kind, same, resolved] = out.trim().split(' ');
    expect([kind, same]).to.deep.equal(['function', 'true']);
    expect(resolved).to.equal(join(app, 'node_modules', 'koa-health', 'dist', 'index.cjs'));
  });
});

describe('the two commands on a fresh clone', () => {
  it('npm install leaves package-lock.json as it is: its root entry says what package.json says', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      name: string;
      version: string;
      packages: Record<string, Record<string, unknown>>;
    };
    expect([lock.name, lock.version]).to.deep.equal([pkg.name, pkg.version]);
    const entry = lock.packages['']!;
    // What npm copies from package.json into the lock's root entry: a difference is a lock rewritten by `npm install`.
    for (const field of [
      'name',
      'version',
      'license',
      'bin',
      'engines',
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'peerDependenciesMeta',
    ]) {
      const expected =
        field === 'bin' && pkg.bin !== undefined
          ? Object.fromEntries(
              Object.entries(pkg.bin as Record<string, string>).map(([name, path]) => [
                name,
                path.replace(/^\.\//, ''),
              ]),
            )
          : pkg[field];
      expect(entry[field], field).to.deep.equal(expected);
    }
  });

  it('npm start builds only when a source is newer than the last build', () => {
    const stamp = join(root, 'dist/.built');
    const fakeNpm = join(root, '.test-tmp/fake-npm.mjs');
    const marker = join(root, '.test-tmp/fake-npm-ran');
    mkdirSync(join(root, '.test-tmp'), { recursive: true });
    writeFileSync(
      fakeNpm,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, process.argv.slice(2).join(' '));\n`,
    );
    const prestart = (): string | undefined => {
      rmSync(marker, { force: true });
      execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], {
        cwd: root,
        env: { ...process.env, npm_execpath: fakeNpm },
      });
      try {
        return readFileSync(marker, 'utf8');
      } catch {
        return undefined;
      }
    };
    const { atime, mtime } = statSync(stamp);
    try {
      expect(prestart(), 'built though nothing changed').to.equal(undefined);
      // A build from before the sources' last change: stale.
      utimesSync(stamp, new Date(0), new Date(0));
      expect(prestart()).to.equal('run build');
    } finally {
      utimesSync(stamp, atime, mtime);
      rmSync(fakeNpm, { force: true });
      rmSync(marker, { force: true });
    }
  });
});

describe('the public root', () => {
  it('exports at most 40 names, values and types together, as TypeScript counts them in dist/index.d.ts', async () => {
    const ts = (await import('typescript')).default;
    const entry = join(root, 'dist/index.d.ts');
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const names = checker
      .getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)
      .map(({ name }) => name);
    expect(names.length, names.sort().join(' ')).to.be.at.most(40);
    for (const gone of ['HealthStatus', 'HealthState', 'Selection', 'KnownCheck', 'environment'])
      expect(names).to.not.include(gone);
  });
});

describe('what importing the package loads', () => {
  it('loads no optional peer and no body parser at import; the first POST loads koa-bodyparser', () => {
    const entry = join(root, 'dist/index.js');
    // A resolve hook that says which of these packages are asked for, in order.
    const watched = [
      'koa-bodyparser',
      'pg',
      'mysql2',
      'ioredis',
      'redis',
      'prom-client',
      'hot-shots',
      '@opentelemetry/api',
      'amqplib',
      'nats',
      'mqtt',
      '@grpc/grpc-js',
      'pino',
    ];
    const hook = `data:text/javascript,const watched = ${JSON.stringify(watched)}; export async function resolve(s, c, next) { if (watched.includes(s)) console.log('asked for ' + s); return next(s, c); }`;
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { register } from 'node:module';
        import { createServer } from 'node:http';
        register(${JSON.stringify(hook)});
        const { health, createHealthBus } = await import(${JSON.stringify(entry)});
        const { default: Koa } = await import('koa');
        console.log('imported');
        const app = new Koa().use(health({ bus: createHealthBus(), disableFile: false, logger: false }));
        const server = createServer(app.callback()).listen(0, '127.0.0.1');
        await new Promise((resolve) => server.once('listening', resolve));
        const url = 'http://127.0.0.1:' + server.address().port + '/health';
        console.log('GET', (await fetch(url + '?checks=all')).status);
        const post = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"checks":"all"}' });
        console.log('POST', post.status, await post.text());
        server.close();
      `,
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(out.trim().split('\n')).to.deep.equal(['imported', 'GET 200', 'asked for koa-bodyparser', 'POST 200 OK']);
  });
});
