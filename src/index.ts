/**
 * koa-health: a health-check endpoint for Koa. Application checks subscribe to a mitt bus,
 * results collate into 200 OK, 299 MAINTENANCE or 503 ERROR.
 *
 * The root API: what an app needs to mount the endpoint, register checks, run them without HTTP, drain on
 * SIGTERM and instrument runs; at most 40 names (a test counts them). The environment dump is
 * 'koa-health/environment', the checks 'koa-health/checks', each integration its own subpath.
 * @module
 */

export {
  type Availability,
  availability,
  type CheckCall,
  type CheckFunction,
  type CheckOptions,
  type CheckResult,
  type CheckStatus,
  createHealthBus,
  type HealthBus,
  type HealthChange,
  HealthCheckEvent,
  HealthError,
  type HealthEvents,
  healthBus,
  type Instrumentation,
  instrument,
  type Logger,
  type Outcome,
  outcome,
  type RegisterOptions,
  type RunObserver,
  type RunOptions,
  type RunResult,
  type RunStatus,
  registerCheck,
  runHealthChecks,
  SelectionError,
} from './core/index.js';
export { type DiscoverOptions, discoverChecks } from './discovery/index.js';
export type { Answer, AnswerStatus, CustomFormat } from './formats/index.js';
export { type HealthMiddleware, type HealthOptions, health, type Secret } from './koa/index.js';
export type { ShutdownOptions } from './lifecycle/options.js';
export { gracefulShutdown, type ShutdownHandle, type ShutdownReport } from './lifecycle/shutdown.js';
