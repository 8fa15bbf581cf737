import { expect } from 'chai';
import pg from 'pg';
import { postgresCheck } from '../../src/checks/index.js';
import { serverCheckSuite } from './server-suite.js';
import { POSTGRES } from './services.js';

serverCheckSuite<pg.Pool>('postgresCheck() on a real PostgreSQL, through a fault proxy', {
  service: POSTGRES,
  async connect(port) {
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', max: 3 });
    // A pool emits the errors of its idle clients (a cut connection): the app's handler, here.
    pool.on('error', () => undefined);
    return pool;
  },
  check: (pool) => postgresCheck(pool),
  counting(pool, calls) {
    return Object.assign(Object.create(pool) as pg.Pool, {
      query: (text: string) => {
        calls.count++;
        return pool.query(text);
      },
    });
  },
  async saturate(pool) {
    const held = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
    return () => held.forEach((client) => client.release());
  },
  refused: /ECONNREFUSED/,
  close: (pool) => pool.end(),
});

describe('postgresCheck() arguments', () => {
  it('throws a TypeError naming what is wrong when called', () => {
    expect(() => postgresCheck({} as pg.Pool)).to.throw(TypeError, '`client`');
    expect(() => postgresCheck(null as unknown as pg.Pool)).to.throw(TypeError, '`client`');
    expect(() => postgresCheck(new pg.Pool(), { query: '' })).to.throw(TypeError, '`query`');
    expect(() => postgresCheck(new pg.Pool(), { qurey: 'x' } as never)).to.throw(TypeError, 'qurey');
  });
});
