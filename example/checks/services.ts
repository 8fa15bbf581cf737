// Checks of the servers the app uses, on the app's own clients, only when they are configured:
// `npm start` works with nothing installed; DATABASE_URL and REDIS_URL turn them on.
import { registerCheck } from 'koa-health';
import { postgresCheck, redisCheck } from 'koa-health/checks';

/** The check names this module registers, for `health({ expect })`. */
export const serviceChecks: string[] = [];

if (process.env.DATABASE_URL) {
  const { default: pg } = await import('pg');
  // connectionTimeoutMillis: node-postgres waits forever for a connection by default.
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 });
  pool.on('error', (error) => console.error(`database pool: ${error.message}`));
  registerCheck('database', postgresCheck(pool), { tags: ['ready'], timeout: 2000 });
  serviceChecks.push('database');
}

if (process.env.REDIS_URL) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL);
  redis.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  registerCheck('cache', redisCheck(redis), { critical: false });
  serviceChecks.push('cache');
}
