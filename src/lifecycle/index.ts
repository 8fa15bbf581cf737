/**
 * The process's life around the health endpoint: `gracefulShutdown()` drains on SIGTERM (readiness falls,
 * liveness stands, no request dropped) within the orchestrator's grace period; `options` checks its budget; `listening` closes the port without
 * resetting a connection.
 * @module
 */

export type { ShutdownOptions } from './options.js';
export { gracefulShutdown, type ShutdownHandle, type ShutdownReport, type ShutdownState } from './shutdown.js';
