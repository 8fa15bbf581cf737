import { expect } from 'chai';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { type MysqlClient, mysqlCheck } from '../../src/checks/index.js';
import { serverCheckSuite } from './server-suite.js';
import { MARIADB } from './services.js';

const options = (port: number) => ({ host: '127.0.0.1', port, user: 'root', database: 'test', connectionLimit: 3 });

serverCheckSuite<mysqlPromise.Pool>('mysqlCheck() on a real MariaDB with a promise pool, through a fault proxy', {
  service: MARIADB,
  connect: async (port) => mysqlPromise.createPool(options(port)),
  check: (pool) => mysqlCheck(pool),
  counting(pool, calls) {
    return Object.assign(Object.create(pool) as mysqlPromise.Pool, {
      query: (sql: string) => {
        calls.count++;
        return pool.query(sql);
      },
    });
  },
  async saturate(pool) {
    const held = await Promise.all(Array.from({ length: 3 }, () => pool.getConnection()));
    return () => held.forEach((connection) => connection.release());
  },
  refused: /ECONNREFUSED/,
  close: (pool) => pool.end(),
});

serverCheckSuite<mysql.Pool>('mysqlCheck() on a real MariaDB with a callback pool, through a fault proxy', {
  service: MARIADB,
  connect: async (port) => mysql.createPool(options(port)),
  check: (pool) => mysqlCheck(pool),
  counting(pool, calls) {
    return Object.assign(Object.create(pool) as mysql.Pool, {
      query: (sql: string, callback: (error: unknown) => void) => {
        calls.count++;
        return pool.query(sql, callback);
      },
    });
  },
  async saturate(pool) {
    const held = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          new Promise<mysql.PoolConnection>((resolve, reject) =>
            pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
          ),
      ),
    );
    return () => held.forEach((connection) => connection.release());
  },
  refused: /ECONNREFUSED/,
  close: (pool) => new Promise((resolve) => pool.end(() => resolve())),
});

describe('mysqlCheck() arguments', () => {
  it('throws a TypeError naming what is wrong when called', () => {
    expect(() => mysqlCheck({} as MysqlClient)).to.throw(TypeError, '`client`');
    expect(() => mysqlCheck({ query() {} }, { query: 5 as never })).to.throw(TypeError, '`query`');
  });
});
