// Beside the pool it checks; discoverChecks() imports it at startup.
import { registerCheck } from 'koa-health';
import { postgresCheck } from 'koa-health/checks';
import { pool } from './pool.js';

if (pool) registerCheck('database', postgresCheck(pool), { tags: ['ready'], timeout: 2000 });
