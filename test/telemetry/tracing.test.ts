import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { availability, createHealthBus, health, registerCheck, runHealthChecks } from '../../src/index.js';
import { healthSpanFilter, tracing } from '../../src/telemetry/tracing.js';

const require = createRequire(import.meta.url);
const parentOf = (span: ReadableSpan): string | undefined =>
  (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;

describe('tracing() with the OpenTelemetry SDK, in memory', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let disableHttp: () => void;
  let upstream: Server;
  let url: string;

  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    disableHttp = registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: provider });
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
  });

  after(() => {
    disableHttp();
    upstream.close();
    trace.disable();
    context.disable();
  });

  beforeEach(() => exporter.reset());

  /** A check that calls the local server with the http module as auto-instrumentation patched it. */
  const callUpstream = () =>
    new Promise<void>((resolve, reject) => {
      (require('node:http') as typeof import('node:http'))
        .get(url, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });

  it('records each change of availability as a span event: on the active span, else on a span of its own', async () => {
    const bus = createHealthBus();
    const handle = tracing({ bus, tracerProvider: provider });
    try {
      const tracer = provider.getTracer('app');
      await tracer.startActiveSpan('config reload', async (span) => {
        availability(bus).refuseTraffic('config reload');
        span.end();
      });
      availability(bus).acceptTraffic();
      const spans = exporter.getFinishedSpans();
      const reload = spans.find(({ name }) => name === 'config reload')!;
      expect(reload.events.map(({ name, attributes }) => [name, attributes])).to.deep.equal([
        [
          'koa_health.availability',
          {
            'koa_health.availability.kind': 'readiness',
            'koa_health.availability.before': 'ACCEPTING',
            'koa_health.availability.after': 'REFUSING',
            'koa_health.availability.reason': 'refusing traffic: config reload',
          },
        ],
      ]);
      const own = spans.find(({ name }) => name === 'koa-health availability')!;
      expect(own.events[0]!.attributes).to.include({ 'koa_health.availability.after': 'ACCEPTING' });
      expect(parentOf(own)).to.equal(undefined);
    } finally {
      handle.close();
    }
  });

  it("runs each check inside its span: the check's own HTTP call nests under it, under the run", async () => {
    const bus = createHealthBus();
    const handle = tracing({ bus, tracerProvider: provider });
    registerCheck('upstream', callUpstream, { bus, tags: ['ready'] });
    registerCheck('untagged', () => true, { bus });
    await runHealthChecks({ bus, logger: false });
    const spans = exporter.getFinishedSpans();
    const run = spans.find(({ name }) => name === 'koa-health run')!;
    const check = spans.find(({ name }) => name === 'koa-health check upstream')!;
    const client = spans.find(({ name, kind }) => name === 'GET' && kind === SpanKind.CLIENT)!;
    expect(parentOf(run)).to.equal(undefined);
    expect(run.attributes).to.include({ 'koa_health.selection': 'all|', 'koa_health.status': 'OK' });
    expect(parentOf(check)).to.equal(run.spanContext().spanId);
    expect(check.attributes).to.deep.include({
      'koa_health.check.name': 'upstream',
      'koa_health.check.critical': true,
      'koa_health.check.tags': ['ready'],
      'koa_health.check.status': 'OK',
    });
    // An empty list says nothing: a check without tags has no tags attribute.
    expect(spans.find(({ name }) => name === 'koa-health check untagged')!.attributes).to.not.have.property(
      'koa_health.check.tags',
    );
    expect(parentOf(client)).to.equal(check.spanContext().spanId);
    expect(client.spanContext().traceId).to.equal(run.spanContext().traceId);
    handle.close();
  });

  it('marks failures with status ERROR, the message and error.type: timeout, the class, or _OTHER', async () => {
    const bus = createHealthBus();
    tracing({ bus, tracerProvider: provider });
    registerCheck(
      'typed',
      () => {
        throw new TypeError('bad config');
      },
      { bus },
    );
    registerCheck('plain', () => Promise.reject({ code: 'E1' }), { bus });
    registerCheck(
      'thrown-string',
      () => {
        throw 'disk full';
      },
      { bus },
    );
    registerCheck('rejected-number', () => Promise.reject(42), { bus });
    registerCheck('slow', () => new Promise(() => {}), { bus, timeout: 50 });
    registerCheck('reported-fine', () => true, { bus });
    bus.on('healthcheck', (event) => event.report('reported', 'ERROR', 'queue stuck'));
    await runHealthChecks({ bus, logger: false, timeout: 500 });
    const byName = Object.fromEntries(exporter.getFinishedSpans().map((span) => [span.name, span]));
    const failure = (name: string) => [
      byName[`koa-health check ${name}`]!.status,
      byName[`koa-health check ${name}`]!.attributes['error.type'],
    ];
    expect(failure('typed')).to.deep.equal([{ code: 2, message: 'bad config' }, 'TypeError']);
    expect(failure('plain')).to.deep.equal([{ code: 2, message: '{"code":"E1"}' }, '_OTHER']);
    expect(failure('thrown-string')).to.deep.equal([{ code: 2, message: 'disk full' }, '_OTHER']);
    expect(failure('rejected-number')).to.deep.equal([{ code: 2, message: '42' }, '_OTHER']);
    expect(failure('slow')).to.deep.equal([{ code: 2, message: 'timed out after 50 ms' }, 'timeout']);
    expect(failure('reported')).to.deep.equal([{ code: 2, message: 'queue stuck' }, '_OTHER']);
    expect(byName['koa-health run']!.status.code).to.equal(2);
  });

  it('links the run to each probe request that waits on it, and is shared by a second registration', async () => {
    const bus = createHealthBus();
    tracing({ bus, tracerProvider: provider });
    tracing({ bus, tracerProvider: provider });
    registerCheck('slowish', () => new Promise((resolve) => setTimeout(resolve, 50)), { bus });
    const tracer = provider.getTracer('test');
    const app = new Koa();
    app.use((_ctx, next) => tracer.startActiveSpan('request', (span) => next().finally(() => span.end())));
    app.use(health({ bus, logger: false, disableFile: false }));
    app.use(health({ bus, logger: false, disableFile: false, path: '/status' }));
    const server = app.listen(0, '127.0.0.1');
    try {
      await Promise.all([
        request(server).get('/health?checks=all').expect(200),
        request(server).get('/health?checks=all').expect(200),
        request(server).get('/status?checks=all').expect(200),
      ]);
    } finally {
      server.close();
    }
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter(({ name }) => name === 'koa-health run');
    expect(runs).to.have.length(1);
    const requests = spans
      .filter(({ name }) => name === 'request')
      .map((span) => span.spanContext().spanId)
      .sort();
    expect(runs[0]!.links.map((link) => link.context.spanId).sort()).to.deep.equal(requests);
    expect(spans.filter(({ name }) => name === 'koa-health check slowish')).to.have.length(1);
  });

  it('with healthSpanFilter(), drops healthy, unchanged, fast runs whole and keeps failing, changed or slow ones', async () => {
    const filtered = new InMemorySpanExporter();
    const filteredProvider = new BasicTracerProvider({
      spanProcessors: [healthSpanFilter(new SimpleSpanProcessor(filtered), { slowMs: 200 })],
    });
    const bus = createHealthBus();
    tracing({ bus, tracerProvider: filteredProvider });
    let mode: 'ok' | 'fail' | 'slow' = 'ok';
    registerCheck(
      'upstream',
      async () => {
        await context.with(context.active(), () =>
          filteredProvider.getTracer('driver').startActiveSpan('driver call', (span) => (span.end(), undefined)),
        );
        if (mode === 'fail') throw new Error('down');
        if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 250));
      },
      { bus },
    );
    const names = () => filtered.getFinishedSpans().map(({ name }) => name);
    await runHealthChecks({ bus, logger: false });
    await runHealthChecks({ bus, logger: false });
    expect(names()).to.deep.equal([]);
    mode = 'fail';
    await runHealthChecks({ bus, logger: false });
    expect(names()).to.deep.equal(['driver call', 'koa-health check upstream', 'koa-health run']);
    mode = 'ok';
    filtered.reset();
    // Recovered: a change, kept; then unchanged again, dropped.
    await runHealthChecks({ bus, logger: false });
    expect(names()).to.have.length(3);
    filtered.reset();
    await runHealthChecks({ bus, logger: false });
    expect(names()).to.deep.equal([]);
    mode = 'slow';
    await runHealthChecks({ bus, logger: false });
    expect(names()).to.have.length(3);
    filtered.reset();
    filteredProvider.getTracer('app').startSpan('not health').end();
    expect(names()).to.deep.equal(['not health']);
  });
});
