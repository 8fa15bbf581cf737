// The built-in checks on the real servers: the cost of a check run against the bare driver call through
// the same client, and how many probes reach each server under a flood of ?checks=all.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import amqp from 'amqplib';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import Koa from 'koa';
import mqtt from 'mqtt';
import mysql from 'mysql2/promise';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import {
  amqpCheck,
  dnsCheck,
  mqttCheck,
  mysqlCheck,
  natsCheck,
  postgresCheck,
  redisCheck,
  tlsCheck,
} from '../dist/checks/index.js';
import { grpcCheck, grpcHealthService } from '../dist/grpc/health.js';
import { createHealthBus, health, registerCheck } from '../dist/index.js';
import { median } from './stats.js';

export interface DriverFigures {
  /** Per server: µs per bare call, µs per check run, their ratio (median of paired rounds). */
  readonly perRun: Record<string, { bare: number; check: number; ratio: number }>;
  /** Under the flood: requests answered, and the probes that reached each server. */
  readonly flood: { requests: number; probes: Record<string, number> };
}

interface Server {
  name: string;
  bare: () => Promise<unknown>;
  check: (signal: AbortSignal) => unknown;
}

/** µs per call of `call`, sequentially, `n` times. */
async function time(call: () => unknown, n: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - started) / n / 1000;
}

export async function measureDrivers(rounds = 30, n = 200): Promise<DriverFigures> {
  const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 5 });
  const mariadb = mysql.createPool({
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    database: 'test',
    connectionLimit: 5,
  });
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  await new Promise((resolve) => redis.once('ready', resolve));
  // The brokers, each with the same call the check makes, through the same client.
  const rabbit = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  rabbit.on('error', () => undefined);
  const rabbitChannel = await rabbit.createChannel();
  const nats = await natsConnect({ servers: '127.0.0.1:4222' });
  const mosquitto = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
  const topic = `koa-health-bench/${randomUUID()}`;
  await mosquitto.subscribeAsync(topic, { qos: 1 });
  const echoes = new Map<string, () => void>();
  mosquitto.on('message', (_topic, payload) => echoes.get(payload.toString())?.());
  const mqttRoundTrip = async (): Promise<void> => {
    const nonce = randomUUID();
    const back = new Promise<void>((resolve) => echoes.set(nonce, resolve));
    await mosquitto.publishAsync(topic, nonce, { qos: 1 });
    await back;
    echoes.delete(nonce);
  };
  // A local gRPC server answering the health protocol with SERVING, and a client of it.
  const Health = (
    grpc.loadPackageDefinition(loadSync('proto/health.proto', { keepCase: true, enums: String })) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    }
  ).grpc.health.v1.Health;
  const grpcServer = new grpc.Server();
  grpcServer.addService(Health.service, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) => callback(null, { status: 'SERVING' }),
  });
  const grpcPort = await new Promise<number>((resolve) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (_error, port) => resolve(port)),
  );
  const grpcClient = new Health(
    `127.0.0.1:${grpcPort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & {
    check(request: object, callback: (error: Error | null) => void): grpc.ClientUnaryCall;
  };
  const grpcCall = (): Promise<void> =>
    new Promise((resolve, reject) => grpcClient.check({ service: '' }, (error) => (error ? reject(error) : resolve())));
  // The same protocol served by grpcHealthService() over a bus of three sync checks, against the hand-written one above.
  const serviceBus = createHealthBus();
  for (const name of ['a', 'b', 'c']) registerCheck(name, () => true, { bus: serviceBus });
  const served = grpcHealthService({ bus: serviceBus });
  const serviceServer = new grpc.Server();
  serviceServer.addService(served.definition, served.implementation);
  const servicePort = await new Promise<number>((resolve) =>
    serviceServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (_error, port) => resolve(port)),
  );
  const serviceClient = new Health(
    `127.0.0.1:${servicePort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & {
    check(request: object, callback: (error: Error | null) => void): grpc.ClientUnaryCall;
  };
  const serviceCall = (): Promise<void> =>
    new Promise((resolve, reject) =>
      serviceClient.check({ service: '' }, (error) => (error ? reject(error) : resolve())),
    );
  // A local TLS server with a certificate made now, trusted as its own CA; and a local DNS responder that
  // answers every A question with one address.
  const certs = mkdtempSync(join(tmpdir(), 'koa-health-bench-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=DNS:localhost'],
    ],
    { cwd: certs, stdio: 'pipe' },
  );
  const cert = readFileSync(join(certs, 'cert.pem'), 'utf8');
  const tlsServer = createTlsServer({ key: readFileSync(join(certs, 'key.pem')), cert }, (socket) => socket.end());
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const tlsPort = (tlsServer.address() as AddressInfo).port;
  const tlsHandshake = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'localhost', ca: cert });
      socket.once('secureConnect', () => {
        socket.getPeerCertificate();
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  const responder = createSocket('udp4');
  responder.on('message', (query, peer) => {
    let end = 12;
    while (query[end] !== 0) end += query[end]! + 1;
    const header = Buffer.from([query[0]!, query[1]!, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
    responder.send(Buffer.concat([header, query.subarray(12, end + 5), answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', resolve));
  const dnsServer = `127.0.0.1:${responder.address().port}`;
  const bareResolver = new dns.Resolver({ tries: 1 });
  bareResolver.setServers([dnsServer]);
  try {
    const signal = new AbortController().signal;
    const servers: Server[] = [
      { name: 'PostgreSQL', bare: () => pool.query('SELECT 1'), check: postgresCheck(pool) },
      { name: 'MariaDB', bare: () => mariadb.query('SELECT 1'), check: mysqlCheck(mariadb) },
      { name: 'Redis', bare: () => redis.ping(), check: redisCheck(redis) },
      { name: 'RabbitMQ', bare: () => rabbitChannel.checkExchange('amq.direct'), check: amqpCheck(rabbit) },
      { name: 'NATS', bare: () => nats.rtt(), check: natsCheck(nats) },
      { name: 'Mosquitto (round trip)', bare: mqttRoundTrip, check: mqttCheck(mosquitto, { roundTrip: true }) },
      { name: 'gRPC health', bare: grpcCall, check: grpcCheck(grpcClient as never) },
      // Not a check: the service side, a Check call answered by grpcHealthService() running three sync checks.
      {
        name: 'grpcHealthService() Check (3 sync checks) vs a hand-written SERVING',
        bare: grpcCall,
        check: serviceCall,
      },
      {
        name: 'TLS (handshake, certificate read)',
        bare: tlsHandshake,
        check: tlsCheck('127.0.0.1', tlsPort, { servername: 'localhost', ca: cert }),
      },
      {
        name: 'DNS (local responder)',
        bare: () => bareResolver.resolve('api.test', 'A'),
        check: dnsCheck('api.test', { resolver: dnsServer }),
      },
    ];
    const perRun: DriverFigures['perRun'] = {};
    for (const server of servers) {
      const bare: number[] = [];
      const checked: number[] = [];
      await time(server.bare, n);
      await time(() => server.check(signal), n);
      // A B B A: whatever drifts between rounds (the server, the other core) falls on both alike.
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          bare.push(await time(server.bare, n));
          checked.push(await time(() => server.check(signal), n));
        } else {
          checked.push(await time(() => server.check(signal), n));
          bare.push(await time(server.bare, n));
        }
      }
      perRun[server.name] = {
        bare: median(bare),
        check: median(checked),
        ratio: median(checked.map((value, i) => value / bare[i]!)),
      };
    }
    // The flood: 50 connections of ?checks=all against an app with the three checks on counting clients.
    const probes: Record<string, number> = { PostgreSQL: 0, MariaDB: 0, Redis: 0 };
    const counted = <T extends object>(client: T, method: string, name: string): T =>
      Object.assign(Object.create(client) as T, {
        [method]: (...args: unknown[]) => (
          probes[name]!++, (client as Record<string, (...a: unknown[]) => unknown>)[method]!(...args)
        ),
      });
    const bus = createHealthBus();
    registerCheck('postgres', postgresCheck(counted(pool, 'query', 'PostgreSQL')), { bus });
    registerCheck('mariadb', mysqlCheck(counted(mariadb, 'query', 'MariaDB')), { bus });
    registerCheck('redis', redisCheck(counted(redis, 'ping', 'Redis')), { bus });
    const app = new Koa().use(health({ bus, disableFile: false, logger: false }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const result = await autocannon({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health?checks=all`,
      connections: 50,
      duration: 3,
    });
    server.close();
    return { perRun, flood: { requests: result.requests.total, probes } };
  } finally {
    await pool.end();
    await mariadb.end();
    redis.disconnect();
    await rabbit.close();
    await nats.close();
    await mosquitto.endAsync();
    grpcClient.close();
    grpcServer.forceShutdown();
    serviceClient.close();
    serviceServer.forceShutdown();
    served.close();
    tlsServer.close();
    responder.close();
    rmSync(certs, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureDrivers(), null, 2));
