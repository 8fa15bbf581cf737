// The built-in checks on the real servers: the cost of a check run against the bare driver call through
// the same client, and how many probes reach each server under a flood of ?checks=all.
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import Koa from 'koa';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlCheck, postgresCheck, redisCheck } from '../dist/checks/index.js';
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
  try {
    const signal = new AbortController().signal;
    const servers: Server[] = [
      { name: 'PostgreSQL', bare: () => pool.query('SELECT 1'), check: postgresCheck(pool) },
      { name: 'MariaDB', bare: () => mariadb.query('SELECT 1'), check: mysqlCheck(mariadb) },
      { name: 'Redis', bare: () => redis.ping(), check: redisCheck(redis) },
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
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureDrivers(), null, 2));
