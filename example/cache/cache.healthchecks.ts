// Beside the client it checks; discoverChecks() imports it at startup.
import { registerCheck } from 'koa-health';
import { redisCheck } from 'koa-health/checks';
import { redis } from './redis.js';

if (redis) registerCheck('cache', redisCheck(redis), { critical: false });
