import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { RequestError } from '../../src/core/index.js';
import { createHealthBus, HealthError, health, runHealthChecks, SelectionError } from '../../src/index.js';

describe('the error family', () => {
  it('has one base carrying the status, and a name for each class', () => {
    const selection = new SelectionError('unknown check: x', ['db']);
    const request = new RequestError(413, 'request body too large');
    for (const [error, name, status] of [
      [selection, 'SelectionError', 400],
      [request, 'RequestError', 413],
    ] as const) {
      expect(error).to.be.instanceOf(HealthError).and.instanceOf(Error);
      expect(error.name).to.equal(name);
      expect(error.status).to.equal(status);
      expect(String(error)).to.equal(`${name}: ${error.message}`);
    }
    expect(new HealthError(418, 'short').name).to.equal('HealthError');
  });

  it('is what runHealthChecks() throws for an unknown name', async () => {
    const bus = createHealthBus();
    bus.on('healthcheck', (event) => event.report('db', 'OK'));
    const caught = await runHealthChecks({ bus, checks: 'nope' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).to.be.instanceOf(HealthError).with.property('status', 400);
  });

  it('is answered by the middleware; any other error passes through to the app untouched', async () => {
    const bug = new Error('a bug in the format');
    const seen: unknown[] = [];
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        ctx.status = 500;
        ctx.body = 'caught by the app';
      }
    });
    const bus = createHealthBus();
    bus.on('healthcheck', (event) => event.report('db', 'OK'));
    app.use(
      health({
        bus,
        disableFile: false,
        logger: false,
        format: () => {
          throw bug;
        },
      }),
    );
    await request(app.callback()).get('/health?checks=nope').expect(400);
    await request(app.callback()).get('/health?checks=all').expect(500, 'caught by the app');
    await request(app.callback()).post('/health').send({ checks: 'all' }).expect(500, 'caught by the app');
    expect(seen).to.deep.equal([bug, bug]);
    expect(seen[0]).to.equal(bug);
  });
});
