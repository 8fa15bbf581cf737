/**
 * Ready-made checks, one file each, for `registerCheck()` or `event.check()`: `koa-health/checks`.
 * Each factory takes the app's own client (typed by the few methods it calls; no driver is a dependency)
 * and returns a check function that never hangs past its deadline, never piles up probes on a client,
 * and never opens a connection of its own. `probe` holds the one-probe-per-client rule they share.
 * @module
 */
export { diskCheck, type DiskCheckOptions } from './disk.js';
export { eventLoopCheck, type EventLoopCheckOptions } from './event-loop.js';
export { httpCheck, type ExpectedStatus, type HttpCheckOptions } from './http.js';
export { memoryCheck, type MemoryCheckOptions } from './memory.js';
export { mysqlCheck, type MysqlCheckOptions, type MysqlClient } from './mysql.js';
export { postgresCheck, type PostgresCheckOptions, type PostgresClient } from './postgres.js';
export { redisCheck, type RedisClient } from './redis.js';
export { tcpCheck } from './tcp.js';
