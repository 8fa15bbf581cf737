/**
 * koa-health: a health-check endpoint for Koa. Application checks subscribe to a mitt bus,
 * results collate into 200 OK, 299 MAINTENANCE or 503 ERROR.
 *
 * The root API. The code lives in folders by concern: `core/` the engine (no HTTP), `koa/` the
 * middleware, `formats/` the answer formats, `environment/` the environment dump.
 * @module
 */
export { health, type DetailsLevel, type HealthMiddleware, type HealthOptions, type Secret } from './koa/index.js';
export {
  createHealthBus,
  healthBus,
  HealthCheckEvent,
  HealthError,
  instrument,
  outcome,
  registerCheck,
  runHealthChecks,
  Selection,
  SelectionError,
  type CacheOptions,
  type CheckCall,
  type Instrumentation,
  type RunObserver,
  type CheckChange,
  type CheckFunction,
  type CheckList,
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type CheckStatus,
  type HealthBus,
  type HealthChange,
  type HealthEvents,
  type HealthResult,
  type HealthStatus,
  type KnownCheck,
  type Logger,
  type Outcome,
  type RegisterOptions,
  type RunOptions,
  type RunStatus,
} from './core/index.js';
export type { AnswerState, CustomFormat, FormatName, HealthReport, HealthState } from './formats/index.js';
export {
  environment,
  MASK,
  SECRET_KEY_PATTERNS,
  type EnvironmentMiddleware,
  type EnvironmentOptions,
  type IncludeOptions,
  type ScrubFunction,
  type SectionFunction,
} from './environment/index.js';
export {
  gracefulShutdown,
  type ShutdownHandle,
  type ShutdownOptions,
  type ShutdownReport,
  type ShutdownState,
} from './lifecycle/index.js';
export { discoverChecks, type DiscoverOptions } from './discovery/index.js';
