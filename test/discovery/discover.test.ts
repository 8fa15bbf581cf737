import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { discoverChecks } from '../../src/index.js';
import { tempDir } from '../helpers.js';

declare global {
  // eslint-disable-next-line no-var
  var discovered: string[] | undefined;
}

/** Writes `files` (relative path → content) under `dir`. */
function tree(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

const module = (name: string) => `(globalThis.discovered ??= []).push(${JSON.stringify(name)});\n`;

describe('discoverChecks() on real temporary trees', () => {
  let dir: { dir: string; remove(): void };
  beforeEach(() => {
    dir = tempDir();
    globalThis.discovered = [];
  });
  afterEach(() => dir.remove());

  it('imports nested check modules once each, in sorted order, and skips node_modules, dot-folders and other files', async () => {
    const outside = tempDir();
    try {
      tree(dir.dir, {
        'orders/orders.healthchecks.mjs': module('orders'),
        'billing/db/db.healthchecks.js': module('billing/db'),
        'healthchecks.cjs': module('root'),
        'search/healthchecks.ts': `${module('search')}export const typed: number = 1;\n`,
        'orders/service.js': module('not a check module'),
        'node_modules/dep/healthchecks.mjs': module('node_modules'),
        '.cache/healthchecks.mjs': module('dot-folder'),
        'package.json': '{"type":"module"}',
      });
      tree(outside.dir, { 'healthchecks.mjs': module('outside') });
      symlinkSync(outside.dir, join(dir.dir, 'linked-out'));
      symlinkSync(join(dir.dir, 'orders'), join(dir.dir, 'linked-in'));
      const files = await discoverChecks(pathToFileURL(dir.dir));
      expect(globalThis.discovered).to.deep.equal(['billing/db', 'root', 'orders', 'search']);
      expect(files.map((file) => file.slice(dir.dir.length + 1))).to.deep.equal([
        'billing/db/db.healthchecks.js',
        'healthchecks.cjs',
        'orders/orders.healthchecks.mjs',
        'search/healthchecks.ts',
      ]);
      // A second call imports nothing again.
      expect(await discoverChecks(dir.dir)).to.deep.equal([]);
      expect(globalThis.discovered).to.have.length(4);
    } finally {
      outside.remove();
    }
  });

  it('takes a pattern of its own', async () => {
    tree(dir.dir, { 'a/checks.mjs': module('a'), 'a/healthchecks.mjs': module('default name') });
    const files = await discoverChecks(dir.dir, { pattern: /^checks\.mjs$/ });
    expect(files).to.have.length(1);
    expect(globalThis.discovered).to.deep.equal(['a']);
  });

  it("finds every match with a g or y pattern, and leaves the caller's lastIndex alone", async () => {
    tree(dir.dir, { 'a/checks.mjs': module('a'), 'b/checks.mjs': module('b'), 'c/checks.mjs': module('c') });
    for (const flags of ['g', 'y', 'gy']) {
      const pattern = new RegExp('^checks\\.mjs$', flags);
      pattern.lastIndex = 3;
      globalThis.discovered = [];
      const other = tempDir();
      try {
        tree(other.dir, { 'a/checks.mjs': module('a'), 'b/checks.mjs': module('b'), 'c/checks.mjs': module('c') });
        expect(await discoverChecks(other.dir, { pattern })).to.have.length(3);
        expect(globalThis.discovered).to.deep.equal(['a', 'b', 'c']);
        expect(pattern.lastIndex).to.equal(3);
      } finally {
        other.remove();
      }
    }
  });

  it('matches a file name with a line break in it by the default pattern', async () => {
    tree(dir.dir, { 'a/odd\nname.healthchecks.mjs': module('odd') });
    expect(await discoverChecks(dir.dir)).to.have.length(1);
    expect(globalThis.discovered).to.deep.equal(['odd']);
  });

  it('rejects naming the file, with the cause, when a module throws while importing: never a silent gap', async () => {
    tree(dir.dir, { 'a/healthchecks.mjs': module('a'), 'b/healthchecks.mjs': 'throw new Error("no DATABASE_URL");\n' });
    let caught: Error | undefined;
    await discoverChecks(dir.dir).catch((error: Error) => (caught = error));
    expect(caught?.message).to.equal(
      `discoverChecks(): ${join(dir.dir, 'b/healthchecks.mjs')} failed to import: no DATABASE_URL`,
    );
    expect((caught?.cause as Error | undefined)?.message).to.equal('no DATABASE_URL');
  });

  it('rejects a root that does not exist, or is not a folder', async () => {
    const missing = await discoverChecks(join(dir.dir, 'nope')).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(missing?.message).to.match(/^discoverChecks\(\): cannot read .*nope: /);
    tree(dir.dir, { 'file.txt': '' });
    const file = await discoverChecks(join(dir.dir, 'file.txt')).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(file?.message).to.include('not a folder');
  });

  it('reports a .ts module that Node cannot import without a loader as a clear error, not a skip', () => {
    tree(dir.dir, { 'db.healthchecks.ts': 'export const x: number = 1;\n' });
    const dist = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { discoverChecks } = await import(${JSON.stringify(dist)});
      await discoverChecks(${JSON.stringify(dir.dir)}).then(() => console.log('imported'), (error) => console.log(error.message));
    `,
      ],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(output).to.include(
      'db.healthchecks.ts failed to import: Node cannot import .ts files here: run the app under a loader that can (node --import tsx)',
    );
  });
});
