import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const src = fileURLToPath(new URL('../src', import.meta.url));

/** Every .ts file under `dir`, as paths relative to src/. */
function sources(dir = src): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

/** The project files a source file imports (type-only imports included), relative to src/. */
function imports(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s+'(\.[^']+)'/g)].map((match) =>
    relative(src, resolve(dirname(join(src, file)), match[1]!)).replace(/\.js$/, '.ts'),
  );
}

const folderOf = (file: string): string => (file.includes('/') ? file.split('/')[0]! : '.');

// Which folders each folder may import from: the engine knows nothing of HTTP, formats or the dump.
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  formats: ['formats', 'core'],
  koa: ['koa', 'formats', 'core', 'ui'],
  ui: ['ui', 'core'],
  cli: ['cli'],
  discovery: ['discovery', 'core'],
  environment: ['environment', 'koa', 'core'],
  checks: ['checks', 'core'],
  lifecycle: ['lifecycle', 'core'],
  telemetry: ['telemetry', 'core'],
  grpc: ['grpc', 'core', 'checks'],
  notify: ['notify', 'core'],
  '.': ['core', 'koa', 'formats', 'environment', 'lifecycle', 'discovery'],
};

describe('the layout of src/', () => {
  const files = sources();

  it('keeps every folder to the folders it may import from', () => {
    const wrong = files.flatMap((file) =>
      imports(file)
        .filter((target) => !(ALLOWED[folderOf(file)] ?? []).includes(folderOf(target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(wrong).to.deep.equal([]);
  });

  it('has no circular imports', () => {
    const graph = new Map(files.map((file) => [file, imports(file)]));
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (path.includes(file)) {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    };
    for (const file of files) visit(file, []);
    expect(cycles).to.deep.equal([]);
  });

  it('keeps every file to one idea of at most about 500 lines', () => {
    const long = files.filter((file) => readFileSync(join(src, file), 'utf8').split('\n').length > 520);
    expect(long).to.deep.equal([]);
  });
});

describe('state kept per bus', () => {
  it('lives in the bus context alone: every other module-level WeakMap or WeakSet is keyed by something else', () => {
    const maps = sources().flatMap((file) =>
      [...readFileSync(join(src, file), 'utf8').matchAll(/^const (\w+) = new (WeakMap|WeakSet)<(\w+)/gm)].map(
        ([, name, kind, key]) => `${file} ${name}: ${kind}<${key}>`,
      ),
    );
    expect(maps.sort()).to.deep.equal([
      // Clients, loggers and servers are not buses.
      'checks/amqp.ts kept: WeakMap<AmqpConnection>',
      'checks/grpc.ts probes: WeakMap<object>',
      'checks/mqtt.ts watched: WeakMap<MqttClient>',
      'checks/probe.ts inFlight: WeakMap<object>',
      'core/context.ts contexts: WeakMap<HealthBus>',
      'core/engine.ts loggerIds: WeakMap<Logger>',
      // A check's options object: the same in every run of a registered check.
      'core/recorder.ts knownByOptions: WeakMap<CheckOptions>',
      // A finished run: the parts of it that requests asked for go with it.
      'core/run.ts selectedParts: WeakMap<Run>',
      'core/validate.ts wrappers: WeakMap<Logger>',
      'lifecycle/shutdown.ts drained: WeakSet<Server>',
      // A timeline's cell, written once as HTML: it never changes once made.
      'ui/page.ts written: WeakMap<TimelineCell>',
    ]);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('names only files and folders that exist, and every folder of src/', () => {
    const doc = readFileSync(new URL('../docs/ARCHITECTURE.md', import.meta.url), 'utf8');
    const named = [...new Set([...doc.matchAll(/`((?:src|test|scripts)\/[\w./-]+)`/g)].map((match) => match[1]!))];
    const root = fileURLToPath(new URL('..', import.meta.url));
    expect(named.filter((path) => !existsSync(join(root, path)))).to.deep.equal([]);
    const folders = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(folders.map(({ name }) => `src/${name}/`).filter((folder) => !named.includes(folder))).to.deep.equal([]);
  });
});
