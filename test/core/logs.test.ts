import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import request from 'supertest';
import { availability, createHealthBus, health, outcome, registerCheck, runHealthChecks } from '../../src/index.js';
import { makeApp, recordingLogger } from '../helpers.js';

/** A real pino logger writing JSON lines to memory. */
function pinoLines() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('structured logs', () => {
  it('gives pino each change as fields beside the message: status, before, checks, changes, selection', async () => {
    const { logger, lines } = pinoLines();
    const { app, bus } = makeApp({ logger });
    let healthy = true;
    registerCheck('db', () => (healthy ? true : outcome('ERROR', 'connection refused')), { bus });
    registerCheck('cache', () => true, { bus });
    await request(app.callback()).get('/health?checks=all').expect(200);
    healthy = false;
    await request(app.callback()).get('/health?checks=all').expect(503);
    await new Promise((resolve) => setImmediate(resolve));
    const line = lines.find(({ msg }) => String(msg).startsWith('Health response: ERROR'));
    expect(line, JSON.stringify(lines)).to.not.equal(undefined);
    expect(line!.msg).to.equal('Health response: ERROR (db=ERROR "connection refused", cache=OK)');
    expect(line!.level).to.equal(50);
    expect(line).to.deep.include({ status: 'ERROR', before: 'OK', selection: 'all|' });
    const checks = line!.checks as Array<Record<string, unknown>>;
    expect(checks.map(({ name, status, message }) => ({ name, status, message }))).to.deep.equal([
      { name: 'db', status: 'ERROR', message: 'connection refused' },
      { name: 'cache', status: 'OK', message: '' },
    ]);
    for (const check of checks) expect(check.durationMs).to.be.a('number').and.at.least(0);
    expect(line!.changes).to.deep.equal([{ name: 'db', before: 'OK', after: 'ERROR' }]);
  });

  it('gives pino the fields of an availability change too', async () => {
    const { logger, lines } = pinoLines();
    const bus = createHealthBus();
    health({ bus, logger, disableFile: false });
    const release = availability(bus).refuseTraffic('config reload');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    const refused = lines.find(({ availability: kind, after }) => kind === 'readiness' && after === 'REFUSING');
    expect(refused).to.deep.include({ before: 'ACCEPTING', reason: 'refusing traffic: config reload', level: 40 });
    expect(refused!.msg).to.equal('koa-health: readiness ACCEPTING → REFUSING (refusing traffic: config reload)');
  });

  it('keeps the console, and any logger not said to be structured, to the one readable line', async () => {
    const logger = recordingLogger();
    const calls: unknown[][] = [];
    const spy = {
      info: (...args: unknown[]) => calls.push(args),
      warn: (...args: unknown[]) => calls.push(args),
      error: (...args: unknown[]) => calls.push(args),
    };
    const bus = createHealthBus();
    registerCheck('db', () => false, { bus });
    await runHealthChecks({ bus, logger });
    const { app } = makeApp({ bus, logger: spy });
    await request(app.callback()).get('/health?checks=all').expect(503);
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.equal(['Health response: ERROR (db=ERROR "check returned false")']);
  });

  it('calls any logger as (fields, message) with structuredLogs: true, and pino with one string with structuredLogs: false', async () => {
    const calls: unknown[][] = [];
    const fieldsFirst = {
      info: (...args: unknown[]) => calls.push(args),
      warn: (...args: unknown[]) => calls.push(args),
      error: (...args: unknown[]) => calls.push(args),
    };
    const bus = createHealthBus();
    registerCheck('db', () => false, { bus });
    const { app } = makeApp({ bus, logger: fieldsFirst, structuredLogs: true });
    await request(app.callback()).get('/health?checks=all').expect(503);
    expect(calls).to.have.length(1);
    expect(calls[0]![0]).to.deep.include({ status: 'ERROR' });
    expect(calls[0]![1]).to.equal('Health response: ERROR (db=ERROR "check returned false")');

    const { logger, lines } = pinoLines();
    const plain = makeApp({ logger, structuredLogs: false });
    registerCheck('db', () => false, { bus: plain.bus });
    await request(plain.app.callback()).get('/health?checks=all').expect(503);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).to.not.have.property('checks');
    expect(lines[0]!.msg).to.equal('Health response: ERROR (db=ERROR "check returned false")');
  });

  it('refuses a structuredLogs that is not true or false', () => {
    expect(() => health({ structuredLogs: 'yes' as unknown as boolean })).to.throw(
      TypeError,
      'health(): `structuredLogs` must be true or false (left out: detected), got "yes"',
    );
  });
});
