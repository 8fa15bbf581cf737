import request from 'supertest';
import { makeApp } from '../helpers.js';

describe('bad input', () => {
  it('answers a query string over 2 KB with 414', async () => {
    const { app } = makeApp();
    await request(app.callback()).get(`/health?checks=${'a'.repeat(2100)}`).expect(414);
  });

  it('answers a body parameter over 2 KB with 400, and an oversized body with 413', async () => {
    const { app } = makeApp();
    await request(app.callback()).post('/health').send({ checks: 'a'.repeat(2100) }).expect(400);
    await request(app.callback()).post('/health').send({ checks: 'all', pad: 'x'.repeat(20_000) }).expect(413);
  });

  it('answers malformed JSON and form bodies with 4xx, never 500', async () => {
    const { app } = makeApp();
    await request(app.callback()).post('/health').type('json').send('{"checks": all}').expect(400, 'malformed request body');
    // A form body that claims a compression it does not have.
    await request(app.callback()).post('/health').type('form').set('Content-Encoding', 'gzip').send('checks=all')
      .expect(400, 'malformed request body');
    await request(app.callback()).post('/health').type('form').set('Content-Encoding', 'klingon').send('checks=all')
      .expect(415);
    await request(app.callback()).post('/health').send({ checks: [1, 2] }).expect(400);
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
