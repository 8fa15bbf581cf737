/**
 * koa-health: a health-check endpoint for Koa. Application checks subscribe to a mitt bus,
 * results collate into 200 OK, 299 MAINTENANCE or 503 ERROR.
 *
 * The root API. The code lives in folders by concern: `core/` the engine (no HTTP), `koa/` the
 * middleware, `formats/` the answer formats, `environment/` the environment dump.
 * @module
 */

export {
  type CacheOptions,
  type CheckCall,
  type CheckChange,
  type CheckFunction,
  type CheckList,
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type CheckStatus,
  createHealthBus,
  type HealthBus,
  type HealthChange,
  HealthCheckEvent,
  HealthError,
  type HealthEvents,
  type HealthResult,
  type HealthStatus,
  healthBus,
  type Instrumentation,
  instrument,
  type KnownCheck,
  type Logger,
  type Outcome,
  outcome,
  type RegisterOptions,
  type RunObserver,
  type RunOptions,
  type RunStatus,
  registerCheck,
  runHealthChecks,
  Selection,
  SelectionError,
} from './core/index.js';
export { type DiscoverOptions, discoverChecks } from './discovery/index.js';
export {
  type EnvironmentMiddleware,
  type EnvironmentOptions,
  environment,
  type IncludeOptions,
  MASK,
  type ScrubFunction,
  SECRET_KEY_PATTERNS,
  type SectionFunction,
} from './environment/index.js';
export type { AnswerState, CustomFormat, FormatName, HealthReport, HealthState } from './formats/index.js';
export { type DetailsLevel, type HealthMiddleware, type HealthOptions, health, type Secret } from './koa/index.js';
export {
  gracefulShutdown,
  type ShutdownHandle,
  type ShutdownOptions,
  type ShutdownReport,
  type ShutdownState,
} from './lifecycle/index.js';
