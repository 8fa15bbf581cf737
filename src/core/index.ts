/**
 * The check engine, with no HTTP in it: the bus and its events, `HealthCheckEvent` and the recorder
 * behind it, the runner and its deadlines, selections, statuses and results, the engine that shares,
 * caches and refreshes runs, the error family, and the option checks every factory shares.
 * @module
 */
export { createHealthBus, healthBus, type HealthBus, type HealthEvents } from './bus.js';
export type { CheckFunction, CheckOptions, CheckOutcome, CheckResult, KnownCheck } from './check.js';
export { DEFAULT_TIMEOUT } from './defaults.js';
export { expires, settleWithin, type Settled } from './deadline.js';
export { HealthEngine, type CacheOptions, type EngineOptions, type Served } from './engine.js';
export { sharedEngine } from './shared-engine.js';
export { holdShared, sharedOn, type Held, type SharedEntries } from './shared.js';
export { CheckHistory, type CheckState, type Transition } from './history.js';
export { HealthError, RequestError, SelectionError } from './errors.js';
export { jsonSafe, logText, messageOf, type ScrubFunction } from './json-safe.js';
export { HealthCheckEvent } from './event.js';
export { instrument, type CheckCall, type Instrumentation, type RunObserver } from './instrument.js';
export { lifecycleOf, type Lifecycle } from './lifecycle.js';
export { isOutcome, outcome, type Outcome } from './outcome.js';
export { registerCheck, type RegisterOptions } from './register.js';
export type { CheckChange, HealthChange, HealthResult } from './result.js';
export { runHealthChecks, validExpect, type RunOptions, type RunSettings } from './run.js';
export { listItems, Selection, validCheckName, type CheckList } from './selection.js';
export { failingNames, overallStatus, passes, type CheckStatus, type HealthStatus, type RunStatus } from './status.js';
export { entryOf, setBounded } from './bounded.js';
export { knownOptions, MAX_TIMER_MS, validBus, validLogger, validTimeout, type Logger } from './validate.js';
