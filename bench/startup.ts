// Startup: what `import('koa-health')` adds to an app's startup: how long it takes in a fresh process that has
// imported Koa already (every app that uses koa-health has; node:http and the rest come with it), how many
// modules it loads beyond Koa's, and their packages, against the peers measured the same way, and Koa itself
// from nothing; each in fresh processes, the median of several.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The optional peers a plain import must not load: the telemetry clients and the check drivers stay lazy. */
export const LAZY_PEERS = [
  'pg',
  'mysql2',
  'ioredis',
  'redis',
  '@redis',
  'prom-client',
  'hot-shots',
  '@opentelemetry',
  'amqplib',
  'nats',
  '@nats-io',
  'mqtt',
  '@grpc',
  'pino',
];

export interface StartupFigures {
  /** ms to import, median of the processes. */
  ms: number;
  /** Modules loaded by the import (files, ESM and CommonJS), and the packages they belong to. */
  modules: number;
  packages: string[];
}

// Time first, in a process without hooks; then what was loaded, in one with a hook that hears every ESM load.
const TIME = `if (process.argv[2] === 'after-koa') await import('koa'); const started = performance.now(); await import(process.argv[1]); console.log(performance.now() - started);`;
const LOADED = `
if (process.argv[2] === 'after-koa') await import('koa');
const { register, createRequire } = await import('node:module');
const { MessageChannel } = await import('node:worker_threads');
const { port1, port2 } = new MessageChannel();
const urls = new Set();
port1.on('message', (url) => urls.add(url));
const hook = 'let port; export function initialize(data) { port = data.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }';
register('data:text/javascript,' + encodeURIComponent(hook), { data: { port: port2 }, transferList: [port2] });
const before = new Set(Object.keys(createRequire(import.meta.url).cache));
await import(process.argv[1]);
await new Promise((resolve) => setTimeout(resolve, 100));
port1.close();
const files = new Set([...urls].filter((url) => url.startsWith('file:')).map((url) => new URL(url).pathname));
for (const file of Object.keys(createRequire(import.meta.url).cache)) if (!before.has(file)) files.add(file);
console.log(JSON.stringify([...files]));
`;

/** The package a file belongs to: `koa-health` for ours, else its name under node_modules. */
function packageOf(file: string): string {
  const at = file.lastIndexOf('/node_modules/');
  if (at < 0) return file.startsWith(root) ? 'koa-health' : file;
  const [first, second] = file.slice(at + '/node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

function node(code: string, target: string): string {
  const mode = target === 'koa' ? 'alone' : 'after-koa';
  return execFileSync(process.execPath, ['--input-type=module', '-e', code, target, mode], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
}

/** Measures `import(target)` in `processes` fresh processes (after Koa's, but for Koa's own). */
export function measureStartup(target: string, processes = 7): StartupFigures {
  const times = Array.from({ length: processes }, () => Number(node(TIME, target)));
  const files = JSON.parse(node(LOADED, target)) as string[];
  return {
    ms: Math.round(median(times) * 10) / 10,
    modules: files.length,
    packages: [...new Set(files.map(packageOf))].sort(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const target of ['koa-health', 'koa-health/checks', '@godaddy/terminus', 'koa']) {
    console.log(target, JSON.stringify(measureStartup(target, 3)));
  }
}
