import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const out = node(root, ['--input-type=module', '-e', `
      import { health, healthBus, HealthCheckEvent, runHealthChecks } from 'koa-health';
      console.log(typeof health, typeof healthBus.on, typeof HealthCheckEvent, typeof runHealthChecks);
    `]);
    expect(out.trim()).to.equal('function function function function');
  });

  it('loads with require()', () => {
    const out = node(root, ['-e', `
      const { health, healthBus, HealthCheckEvent } = require('koa-health');
      console.log(typeof health({ disableFile: false }), typeof healthBus.emit, typeof HealthCheckEvent);
    `]);
    expect(out.trim()).to.equal('function function function');
  });

  it('declares ESM, exports and types', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(pkg.type).to.equal('module');
    expect(pkg.exports).to.deep.include({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
    expect(readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8')).to.include('health');
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
      cwd: root, encoding: 'utf8',
    }).trim().split('\n').at(-1)!;
    execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
  });

  after(() => rmSync(app, { recursive: true, force: true }));

  it("imports environment() from 'koa-health/environment' as ESM, the same function as the root's", () => {
    const out = node(app, ['--input-type=module', '-e', `
      import { environment } from 'koa-health/environment';
      import * as root from 'koa-health';
      console.log(typeof environment({ secret: 'x' }), environment === root.environment, import.meta.resolve('koa-health'));
    `]);
    const [kind, same, resolved] = out.trim().split(' ');
    expect([kind, same]).to.deep.equal(['function', 'true']);
    expect(resolved).to.equal(pathToFileURL(join(app, 'node_modules', 'koa-health', 'dist', 'index.js')).href);
  });

  it("requires 'koa-health/environment', one copy of the code with the root", () => {
    const out = node(app, ['-e', `
      const { environment } = require('koa-health/environment');
      const root = require('koa-health');
      console.log(typeof environment({ secret: 'x' }), environment === root.environment, require.resolve('koa-health'));
    `]);
    const [kind, same, resolved] = out.trim().split(' ');
    expect([kind, same]).to.deep.equal(['function', 'true']);
    expect(resolved).to.equal(join(app, 'node_modules', 'koa-health', 'dist', 'index.js'));
  });
});
