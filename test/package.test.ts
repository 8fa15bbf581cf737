import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script in a plain node process in the repo, where `koa-health` resolves to the built package. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('the built package', () => {
  it('imports by name as ESM', () => {
    const out = node(['--input-type=module', '-e', `
      import { health, healthBus, HealthCheckEvent, runHealthChecks } from 'koa-health';
      console.log(typeof health, typeof healthBus.on, typeof HealthCheckEvent, typeof runHealthChecks);
    `]);
    expect(out.trim()).to.equal('function function function function');
  });

  it('loads with require()', () => {
    const out = node(['-e', `
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
