// After tsc: lets TypeScript projects in CommonJS (module node16) import the package, with one copy of the JavaScript.
// For every entry in package.json's exports it writes, beside the ESM entry:
// - index.cjs: `module.exports = require('./index.js')`, Node's own require(esm): the same module, the same healthBus;
// - index.d.cts: the entry's declarations as CommonJS, from a second, declarations-only copy under dist/cjs/.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The same declarations, in a folder Node and TypeScript read as CommonJS.
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--emitDeclarationOnly',
    '--declarationMap',
    'false',
    '--outDir',
    'dist/cjs',
  ],
  { cwd: root, stdio: 'inherit' },
);
writeFileSync(join(root, 'dist/cjs/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object' || typeof target.require !== 'string') continue;
  const wrapper = join(root, target.require);
  const esm = `./${basename(target.import)}`;
  if (!wrapper.endsWith('.cjs')) throw new Error(`exports["${subpath}"].require must name a .cjs file`);
  writeFileSync(wrapper, `'use strict';\nmodule.exports = require(${JSON.stringify(esm)});\n`);
  const declarations = join(root, 'dist/cjs', relative(join(root, 'dist'), target.import));
  const from = relative(dirname(wrapper), declarations).replace(/\.js$/, '.js');
  writeFileSync(
    wrapper.replace(/\.cjs$/, '.d.cts'),
    `export * from ${JSON.stringify(from.startsWith('.') ? from : `./${from}`)};\n`,
  );
}

// The stamp `npm start` compares with the sources, to build only when they changed.
writeFileSync(join(root, 'dist/.built'), `${new Date().toISOString()}\n`);
