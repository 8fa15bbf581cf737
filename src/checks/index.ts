/**
 * Ready-made checks, one file each, for `registerCheck()` or `event.check()`: `koa-health/checks`.
 * Each factory takes the app's own client (typed by the few methods it calls; no driver is a dependency)
 * and returns a check function that never hangs past its deadline, never piles up probes on a client,
 * and never opens a connection of its own. `probe` holds the one-probe-per-client rule they share.
 * @module
 */
export { type AmqpChannel, type AmqpCheckOptions, type AmqpConnection, amqpCheck } from './amqp.js';
export { type DiskCheckOptions, diskCheck } from './disk.js';
export { type DnsCheckOptions, type DnsRecordType, dnsCheck } from './dns.js';
export { type EventLoopCheckOptions, eventLoopCheck } from './event-loop.js';
export { type GrpcCheckOptions, type GrpcHealthClient, grpcCheck } from './grpc.js';
export { type HeartbeatCheck, type HeartbeatCheckOptions, heartbeatCheck } from './heartbeat.js';
export { type ExpectedBody, type ExpectedStatus, type HttpCheckOptions, httpCheck } from './http.js';
export { type MemoryCheckOptions, memoryCheck } from './memory.js';
export { type MqttCheckOptions, type MqttClient, mqttCheck } from './mqtt.js';
export { type MysqlCheckOptions, type MysqlClient, mysqlCheck } from './mysql.js';
export { type NatsConnection, natsCheck } from './nats.js';
export { type PostgresCheckOptions, type PostgresClient, postgresCheck } from './postgres.js';
export { type RedisClient, redisCheck } from './redis.js';
export { tcpCheck } from './tcp.js';
export { type TlsCheckOptions, tlsCheck } from './tls.js';
