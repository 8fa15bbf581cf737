/**
 * The check engine, with no HTTP in it: the bus and its events, `HealthCheckEvent` and the recorder
 * behind it, the runner and its deadlines, selections, statuses and results, the engine that shares,
 * caches and refreshes runs, the error family, and the option checks every factory shares.
 * @module
 */

export { entryOf, setBounded } from './bounded.js';
export { createHealthBus, type HealthBus, type HealthEvents, healthBus } from './bus.js';
export type { CheckFunction, CheckOptions, CheckOutcome, CheckResult, KnownCheck } from './check.js';
export { expires, type Settled, settleWithin } from './deadline.js';
export { DEFAULT_TIMEOUT } from './defaults.js';
export { type CacheOptions, type EngineOptions, HealthEngine, type Served } from './engine.js';
export { HealthError, RequestError, SelectionError } from './errors.js';
export { HealthCheckEvent } from './event.js';
export { CheckHistory, type CheckState, type Transition } from './history.js';
export { type CheckCall, type Instrumentation, instrument, type RunObserver } from './instrument.js';
export { jsonSafe, logText, messageOf, type ScrubFunction } from './json-safe.js';
export { type Lifecycle, lifecycleOf } from './lifecycle.js';
export { isOutcome, type Outcome, outcome } from './outcome.js';
export { type RegisterOptions, registerCheck } from './register.js';
export type { CheckChange, HealthChange, HealthResult } from './result.js';
export { type RunOptions, type RunSettings, runHealthChecks, validExpect } from './run.js';
export { type CheckList, listItems, Selection, validCheckName } from './selection.js';
export { type Held, holdShared, type SharedEntries, sharedOn } from './shared.js';
export { sharedEngine } from './shared-engine.js';
export { type CheckStatus, failingNames, type HealthStatus, overallStatus, passes, type RunStatus } from './status.js';
export { knownOptions, type Logger, MAX_TIMER_MS, validBus, validLogger, validTimeout } from './validate.js';
