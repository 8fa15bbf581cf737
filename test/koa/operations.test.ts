import { expect } from 'chai';
import request from 'supertest';
import { health, outcome, registerCheck } from '../../src/index.js';
import { makeApp } from '../helpers.js';

describe('warnCode, WARN headers and service metadata', () => {
  it("answers an overall WARN with warnCode and WARN's own headers (Consul's 429, Envoy's x-envoy-degraded)", async () => {
    const { app, bus } = makeApp({
      warnCode: 429,
      headers: { WARN: { 'x-envoy-degraded': '' }, OK: { 'x-state': 'fine' } },
    });
    let status: 'OK' | 'WARN' = 'WARN';
    registerCheck('queue', () => outcome(status, 'backlog of 900'), { bus });
    const warned = await request(app.callback()).get('/health?checks=all').expect(429);
    expect(warned.headers).to.have.property('x-envoy-degraded', '');
    expect(warned.headers).to.not.have.property('x-state');
    expect(warned.text).to.equal('WARN');
    const json = await request(app.callback()).get('/health?checks=all&format=json').expect(429);
    expect(json.body).to.deep.include({ status: 'WARN', service_healthy: true });
    // The probes keep 200: Kubernetes counts only 200 to 399 as ready.
    await request(app.callback()).get('/health/ready').expect(200);
    status = 'OK';
    const ok = await request(app.callback()).get('/health?checks=all').expect(200);
    expect(ok.headers).to.not.have.property('x-envoy-degraded');
    expect(ok.headers).to.have.property('x-state', 'fine');
  });

  it('answers WARN with 200 and the body OK by default, as before', async () => {
    const { app, bus } = makeApp({ headers: { WARN: { 'x-envoy-degraded': '' } } });
    registerCheck('queue', () => outcome('WARN', 'backlog'), { bus });
    const warned = await request(app.callback()).get('/health?checks=all').expect(200);
    expect(warned.text).to.equal('OK');
    expect(warned.headers).to.have.property('x-envoy-degraded', '');
  });

  it('puts the service metadata in every JSON answer and in health+json as the draft names it', async () => {
    const service = { version: '1.4.2', releaseId: '1.4.2-8e2f1c', serviceId: 'orders-api', description: 'Orders' };
    const { app, bus } = makeApp({ service });
    registerCheck('db', () => true, { bus });
    const json = await request(app.callback()).get('/health?checks=all&format=json').expect(200);
    expect(json.body.service).to.deep.equal(service);
    const bare = await request(app.callback()).get('/health?format=json').expect(200);
    expect(bare.body.service).to.deep.equal(service);
    const draft = await request(app.callback()).get('/health?checks=all&format=health+json').expect(200);
    expect(draft.body).to.deep.include({ status: 'pass', ...service });
    expect(Object.keys(draft.body).slice(0, 5)).to.deep.equal([
      'status',
      'version',
      'releaseId',
      'serviceId',
      'description',
    ]);
    const probe = await request(app.callback()).get('/health/ready?format=health+json').expect(200);
    expect(probe.body).to.deep.include({ version: '1.4.2', serviceId: 'orders-api' });
  });

  it('takes the version from npm_package_version when no service is given', async () => {
    const saved = process.env.npm_package_version;
    process.env.npm_package_version = '9.8.7';
    try {
      const { app } = makeApp();
      const json = await request(app.callback()).get('/health?format=json').expect(200);
      expect(json.body.service).to.deep.equal({ version: '9.8.7' });
      delete process.env.npm_package_version;
      const none = makeApp();
      const empty = await request(none.app.callback()).get('/health?format=json').expect(200);
      expect(empty.body.service).to.deep.equal({});
    } finally {
      if (saved === undefined) delete process.env.npm_package_version;
      else process.env.npm_package_version = saved;
    }
  });

  it('refuses a wrong warnCode or service with a TypeError naming it', () => {
    expect(() => health({ warnCode: 42 })).to.throw(TypeError, '`warnCode` must be an HTTP status code');
    expect(() => health({ service: 'orders' as never })).to.throw(TypeError, '`service` must be {');
    expect(() => health({ service: { name: 'x' } as never })).to.throw(TypeError, '`name` is not an option');
    expect(() => health({ service: { version: 'a\nforged line' } })).to.throw(
      TypeError,
      '`service.version` must be a string of at most 200 characters on one line',
    );
  });
});
