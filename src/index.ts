/**
 * koa-health: a health-check endpoint for Koa. Application checks subscribe to a mitt bus,
 * results collate into 200 OK, 299 MAINTENANCE or 503 ERROR.
 * @module
 */
export { health, type HealthMiddleware, type HealthOptions } from './middleware.js';
export { createHealthBus, healthBus, type HealthBus, type HealthEvents } from './bus.js';
export {
  HealthCheckEvent,
  type CheckFunction,
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type CheckStatus,
  type HealthStatus,
  type KnownCheck,
} from './event.js';
export type { CheckChange, HealthChange, HealthResult } from './result.js';
export { runHealthChecks, type RunOptions } from './run.js';
export { Selection, SelectionError, type CheckList } from './selection.js';
export type { CacheOptions } from './engine.js';
export type { Logger } from './validate.js';
export type { DetailsLevel, Secret } from './access.js';
export type { CustomFormat, FormatName, HealthReport, HealthState } from './formats.js';
export {
  environment,
  type EnvironmentMiddleware,
  type EnvironmentOptions,
  type IncludeOptions,
  type SectionFunction,
} from './environment.js';
export { MASK, SECRET_KEY_PATTERNS, type ScrubFunction } from './scrub.js';
