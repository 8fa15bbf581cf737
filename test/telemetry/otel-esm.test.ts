import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';
import { POSTGRES, requireService } from '../checks/services.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
}

const dir = fileURLToPath(new URL('../../.test-tmp/otel-esm/', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's OpenTelemetry sample, as JavaScript. */
function instrumentationSample(): string {
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((code) => code.includes('// instrumentation.ts, loaded first'));
  if (block === undefined) throw new Error('no OpenTelemetry sample in the README');
  return ts.transpileModule(block, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

// An ESM app as a user writes one: pg imported by `import`, a PostgreSQL check and an HTTP check.
const APP = `
import Koa from 'koa';
import pg from 'pg';
import { health, registerCheck } from 'koa-health';
import { httpCheck, postgresCheck } from 'koa-health/checks';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
registerCheck('database', postgresCheck(pool));
registerCheck('upstream', httpCheck(process.env.UPSTREAM_URL));
const app = new Koa();
app.use(health({ disableFile: false, logger: false }));
app.use((ctx) => { ctx.body = 'hello'; });
const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('the README OpenTelemetry sample, in an ESM app against PostgreSQL and an OTLP receiver', function () {
  this.timeout(30_000);
  const spans: OtlpSpan[] = [];
  let receiver: { server: Server; url: string };
  let upstream: { server: Server; url: string };
  let child: ChildProcess | undefined;

  before(async function () {
    await requireService(this, POSTGRES);
    receiver = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { resourceSpans = [] } = JSON.parse(body) as {
          resourceSpans?: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const resource of resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    upstream = await listen((_req, res) => res.writeHead(500).end());
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}instrumentation.mjs`, instrumentationSample());
    writeFileSync(`${dir}server.mjs`, APP);
  });
  after(() => {
    child?.kill();
    receiver?.server.close();
    upstream?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nests the pg and fetch calls under their check spans, and makes no span of the probe requests themselves', async () => {
    child = spawn(process.execPath, ['--import', './instrumentation.mjs', 'server.mjs'], {
      cwd: dir,
      env: {
        ...process.env,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        UPSTREAM_URL: `${upstream.url}/status`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const started = Date.now();
    while (!/port (\d+)/.test(out)) {
      if (Date.now() - started > 15_000 || child.exitCode !== null) throw new Error(`the app did not start: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const base = `http://127.0.0.1:${/port (\d+)/.exec(out)![1]}`;
    // The upstream answers 500: the run fails, so healthSpanFilter keeps its trace whole.
    expect((await fetch(`${base}/health?checks=all`)).status).to.equal(503);
    expect((await fetch(`${base}/health/ready`)).status).to.equal(503);
    expect((await fetch(`${base}/hello`)).status).to.equal(200);
    const byName = (name: string): OtlpSpan | undefined => spans.find((span) => span.name === name);
    while ((byName('koa-health run') === undefined || !spans.some(isServer)) && Date.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const under = (ancestor: OtlpSpan, span: OtlpSpan): boolean => {
      for (
        let parent = spans.find(({ spanId }) => spanId === span.parentSpanId);
        parent;
        parent = spans.find(({ spanId }) => spanId === parent!.parentSpanId)
      ) {
        if (parent.spanId === ancestor.spanId) return true;
      }
      return false;
    };
    const database = byName('koa-health check database');
    const upstreamCheck = byName('koa-health check upstream');
    expect(database, `spans: ${spans.map(({ name }) => name).join(', ')}`).to.not.equal(undefined);
    expect(upstreamCheck).to.not.equal(undefined);
    // Each check is a child of its run, recorded and exported though the probe request's own tracing is suppressed.
    const runs = spans.filter(({ name }) => name === 'koa-health run');
    expect(runs.some((run) => under(run, database!))).to.equal(true);
    // The loader hook made `import pg` traceable: its query is a child of the check that made it.
    expect(spans.filter((span) => span.name.startsWith('pg') && under(database!, span))).to.not.have.length(0);
    // fetch is traced by the undici instrumentation, under the HTTP check.
    expect(spans.filter((span) => span.kind === 3 && under(upstreamCheck!, span))).to.not.have.length(0);
    // The app's own request has its server span; the probes' requests have none.
    const served = spans.filter(isServer).map(path);
    expect(served).to.include('/hello');
    expect(served.filter((target) => target.startsWith('/health'))).to.deep.equal([]);
  });
});

function isServer(span: OtlpSpan): boolean {
  return span.kind === 2;
}

function path(span: OtlpSpan): string {
  const attribute = span.attributes?.find(({ key }) => key === 'url.path' || key === 'http.target');
  return attribute?.value.stringValue ?? '';
}
