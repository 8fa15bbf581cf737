import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { grpcCheck, grpcHealthService } from '../../src/grpc/health.js';
import { availability, createHealthBus, registerCheck } from '../../src/index.js';
import { runCheck, sleep } from '../helpers.js';

// The client side as any gRPC user builds it: the protocol's .proto (the one the package ships), loaded.
const Health = (
  grpc.loadPackageDefinition(
    loadSync(fileURLToPath(new URL('../../proto/health.proto', import.meta.url)), { keepCase: true, enums: String }),
  ) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }
).grpc.health.v1.Health;

type Answer = { status: string };

describe('koa-health/grpc', function () {
  this.timeout(20_000);
  const bus = createHealthBus();
  const state = { database: true, orders: true };
  registerCheck('database', () => state.database, { bus });
  registerCheck('orders-db', () => state.orders, { bus, tags: ['orders'], default: false });
  const service = grpcHealthService({
    bus,
    services: { '': '_defaults', 'orders.Orders': '@orders' },
    logger: false,
    watchInterval: 50,
  });
  const server = new grpc.Server();
  server.addService(service.definition, service.implementation);
  let target = '';
  let client: grpc.Client & {
    Check(request: object, callback: (error: grpc.ServiceError | null, answer?: Answer) => void): grpc.ClientUnaryCall;
    Watch(request: object): grpc.ClientReadableStream<Answer>;
  };
  const check = (name: string) =>
    new Promise<string>((resolve) =>
      client.Check({ service: name }, (error, answer) =>
        resolve(error ? `${grpc.status[error.code]}: ${error.details}` : answer!.status),
      ),
    );

  before(async () => {
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    target = `127.0.0.1:${port}`;
    client = new Health(target, grpc.credentials.createInsecure()) as unknown as typeof client;
  });
  after(() => {
    client.close();
    service.close();
    server.forceShutdown();
  });

  it('answers Check from the checks of each service, and NOT_FOUND for a name it does not serve', async () => {
    expect(await check('')).to.equal('SERVING');
    expect(await check('orders.Orders')).to.equal('SERVING');
    state.orders = false;
    expect(await check('orders.Orders')).to.equal('NOT_SERVING');
    expect(await check('')).to.equal('SERVING');
    state.orders = true;
    expect(await check('payments.Payments')).to.equal('NOT_FOUND: unknown service "payments.Payments"');
  });

  it('answers NOT_SERVING while the app refuses traffic, as /health/ready does', async () => {
    const release = availability(bus).refuseTraffic('config reload');
    expect(await check('')).to.equal('NOT_SERVING');
    release();
    expect(await check('')).to.equal('SERVING');
  });

  it('streams Watch: the status at once, then only each change; SERVICE_UNKNOWN for an unknown name', async () => {
    const seen: string[] = [];
    const stream = client.Watch({ service: '' });
    stream.on('data', ({ status }: Answer) => seen.push(status));
    stream.on('error', () => undefined);
    await sleep(200);
    state.database = false;
    await sleep(200);
    state.database = true;
    await sleep(200);
    stream.cancel();
    expect(seen).to.deep.equal(['SERVING', 'NOT_SERVING', 'SERVING']);
    const unknown = client.Watch({ service: 'nope' });
    const first = await new Promise<string>((resolve) => unknown.once('data', ({ status }: Answer) => resolve(status)));
    unknown.cancel();
    unknown.on('error', () => undefined);
    expect(first).to.equal('SERVICE_UNKNOWN');
  });

  it('grpcCheck() asks a gRPC server, by target or through the app own client, and names what it answered', async () => {
    const passing = await runCheck(grpcCheck(target), 1000);
    expect(passing.status, passing.message).to.equal('OK');
    expect(passing.message).to.match(/^SERVING in \d+ ms$/);
    state.orders = false;
    const failing = await runCheck(grpcCheck(client as never, { service: 'orders.Orders' }), 1000);
    state.orders = true;
    expect(failing).to.include({ status: 'ERROR', message: 'grpc health NOT_SERVING' });
    const unknown = await runCheck(grpcCheck(target, { service: 'payments.Payments' }), 1000);
    expect(unknown).to.include({ status: 'ERROR', message: 'grpc NOT_FOUND: unknown service "payments.Payments"' });
  });

  it('grpcCheck() fails on a server without the health service, and on one that is not there', async () => {
    const bare = new grpc.Server();
    const port = await new Promise<number>((resolve) =>
      bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (_error, bound) => resolve(bound)),
    );
    const none = await runCheck(grpcCheck(`127.0.0.1:${port}`), 1000);
    expect(none.status).to.equal('ERROR');
    expect(none.message).to.match(/^grpc UNIMPLEMENTED/);
    bare.forceShutdown();
    // Let the shared channel see the server go (a call on the closing connection is CANCELLED instead).
    await sleep(200);
    const gone = await runCheck(grpcCheck(`127.0.0.1:${port}`), 1000);
    expect(gone.status).to.equal('ERROR');
    expect(gone.message).to.match(/^grpc UNAVAILABLE|^timed out after 1000 ms$/);
  });

  it('koa-health/checks loads no gRPC module until a grpcCheck given a target first runs', () => {
    const checks = fileURLToPath(new URL('../../dist/checks/index.js', import.meta.url));
    // A resolve hook that refuses @grpc/*: importing the checks must not ask for it; the first run must.
    const hook = `data:text/javascript,export async function resolve(s, c, next) { if (s.startsWith('@grpc/')) throw new Error('asked for ' + s); return next(s, c); }`;
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { register } from 'node:module';
        register(${JSON.stringify(hook)});
        const { grpcCheck } = await import(${JSON.stringify(checks)});
        const check = grpcCheck('127.0.0.1:1');
        console.log('imported');
        try { await check(new AbortController().signal); } catch (error) { console.log(error.message); }
      `,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim().split('\n')).to.deep.equal(['imported', 'asked for @grpc/grpc-js']);
  });

  it('refuses a wrong option with a TypeError naming it', () => {
    expect(() => grpcHealthService({ services: { '': 'bad name!' } })).to.throw(TypeError, '`services[""]`');
    expect(() => grpcHealthService({ service: {} } as object)).to.throw(TypeError, '`service` is not an option');
    expect(() => grpcCheck('')).to.throw(TypeError, '`target`');
    expect(() => grpcCheck({} as never)).to.throw(TypeError, '`client`');
    expect(() => grpcCheck(target, { service: 1 as never })).to.throw(TypeError, '`service`');
  });
});
