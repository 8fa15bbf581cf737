import { expect } from 'chai';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import request from 'supertest';
import { health } from '../../src/index.js';
import { makeApp } from '../helpers.js';

describe('bad input', () => {
  it('answers a query string over 2 KB with 414', async () => {
    const { app } = makeApp();
    await request(app.callback())
      .get(`/health?checks=${'a'.repeat(2100)}`)
      .expect(414);
  });

  it('answers a body parameter over 2 KB with 400, and an oversized body with 413', async () => {
    const { app } = makeApp();
    await request(app.callback())
      .post('/health')
      .send({ checks: 'a'.repeat(2100) })
      .expect(400);
    await request(app.callback())
      .post('/health')
      .send({ checks: 'all', pad: 'x'.repeat(20_000) })
      .expect(413);
  });

  it('answers malformed JSON and form bodies with 4xx, never 500', async () => {
    const { app } = makeApp();
    await request(app.callback())
      .post('/health')
      .type('json')
      .send('{"checks": all}')
      .expect(400, 'malformed request body');
    // A form body that claims a compression it does not have.
    await request(app.callback())
      .post('/health')
      .type('form')
      .set('Content-Encoding', 'gzip')
      .send('checks=all')
      .expect(400, 'malformed request body');
    await request(app.callback())
      .post('/health')
      .type('form')
      .set('Content-Encoding', 'klingon')
      .send('checks=all')
      .expect(415);
    await request(app.callback())
      .post('/health')
      .send({ checks: [1, 2] })
      .expect(400);
  });

  it('merges repeated list parameters and refuses repeated single ones', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('cache', 'NOK');
    });
    await request(app.callback()).get('/health?checks=db&checks=cache&exclude=cache').expect(200);
    await request(app.callback()).get('/health?checks=all&exclude=db&exclude=cache').expect(200);
    await request(app.callback()).get('/health?format=json&format=json').expect(400);
  });

  it('answers names outside [A-Za-z0-9_.:-] with 400', async () => {
    const { app } = makeApp();
    for (const name of ['db%20x', 'a/b', '%C3%A9', '@bad*tag']) {
      await request(app.callback()).get(`/health?checks=${name}`).expect(400);
    }
    await request(app.callback()).get('/health?checks=all&exclude=x%3By').expect(400);
  });
});

describe('query strings', () => {
  it('remembers a parsed query string without mixing up different ones', async () => {
    const { app, bus } = makeApp();
    bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('cache', 'NOK');
    });
    for (let i = 0; i < 3; i++) {
      await request(app.callback()).get('/health?checks=db').expect(200);
      await request(app.callback()).get('/health?checks=cache').expect(503);
      await request(app.callback()).get('/health?checks=db%2Ccache').expect(503);
    }
    // More distinct query strings than it remembers: still answered right.
    for (let i = 0; i < 200; i++) await request(app.callback()).get(`/health?checks=db&n=${i}`).expect(200);
    await request(app.callback()).get('/health?checks=cache').expect(503);
  });
});

describe('parameters answered as asked', () => {
  const checkedApp = (options: Parameters<typeof makeApp>[0] = {}) => {
    const test = makeApp(options);
    test.bus.on('healthcheck', (event) => {
      event.report('db', 'OK');
      event.report('cache', 'NOK', 'down');
    });
    return test;
  };

  it('takes ?format=health+json written literally, where the + arrives as a space', async () => {
    const { app } = checkedApp();
    const res = await request(app.callback()).get('/health?checks=db&format=health+json').expect(200);
    expect(res.headers['content-type']).to.equal('application/health+json; charset=utf-8');
  });

  it('takes each parameter from the query if given there, else from the body', async () => {
    const { app } = checkedApp({ secret: 's3cret' });
    // The secret in the URL, the checks in the body.
    await request(app.callback()).post('/health?auth=s3cret').send({ checks: 'cache' }).expect(503, 'ERROR');
    // The format in the body.
    const res = await request(app.callback())
      .post('/health')
      .send({ checks: 'db', format: 'json', auth: 's3cret' })
      .expect(200);
    expect(res.body).to.include({ status: 'OK' });
    // Given in both: the query's wins.
    await request(app.callback()).post('/health?checks=db&auth=s3cret').send({ checks: 'cache' }).expect(200, 'OK');
  });

  it('reads a form body with many repeated checks= as the same query string would be read', async () => {
    const { app } = checkedApp();
    const many = Array.from({ length: 30 }, () => 'checks=db').join('&');
    await request(app.callback()).get(`/health?${many}`).expect(200, 'OK');
    await request(app.callback()).post('/health').type('form').send(`${many}&checks=cache`).expect(503, 'ERROR');
  });

  it('answers a bracket-style query parsed into objects (koa-qs) with 400, never 500', async () => {
    const { bus } = checkedApp();
    const app = new Koa();
    // What koa-qs does: ctx.query becomes qs's parse, with objects for `a[b]=c`.
    app.use((ctx, next) => {
      Object.defineProperty(ctx.request, 'query', { value: { checks: { a: 'db' } } });
      return next();
    });
    app.use(health({ bus, disableFile: false, logger: false }));
    const res = await request(app.callback()).get('/health?checks[a]=db').expect(400);
    expect(res.text).to.equal('"checks" must be a string or a list of strings');
  });

  it('answers a body it cannot read with 415 naming the types it reads, not a silent 200', async () => {
    const { app } = checkedApp();
    const plain = await request(app.callback()).post('/health').type('text').send('checks=all').expect(415);
    expect(plain.text).to.equal('unsupported body type: send application/json, application/x-www-form-urlencoded');
    await request(app.callback()).post('/health').field('checks', 'all').expect(415);
  });

  it("reads a form itself when the app's own parser handles only JSON and ran first", async () => {
    const { bus } = checkedApp();
    const app = new Koa();
    app.use(bodyParser({ enableTypes: ['json'] }));
    app.use(health({ bus, disableFile: false, logger: false }));
    await request(app.callback()).post('/health').type('form').send('checks=cache').expect(503, 'ERROR');
    await request(app.callback()).post('/health').send({ checks: 'cache' }).expect(503, 'ERROR');
    await request(app.callback()).post('/health').send({}).expect(200, 'OK');
  });
});
