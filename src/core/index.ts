/**
 * The check engine, with no HTTP in it. `types` is the shared vocabulary (statuses, results, check options,
 * the error family); `context` the bus and what is kept per bus (startup, draining, instrumentations,
 * registered checks, shared engines); `recorder` one run as recorded (the `HealthCheckEvent` subscribers
 * see); `run` the runner and its deadlines; `engine` sharing, caching and refreshing runs, and their
 * history; `selection` which checks a request asks for; `validate` the
 * option checks; `json-safe` what any value becomes in JSON and log lines.
 * @module
 */

export {
  type Availability,
  type AvailabilityChange,
  type AvailabilityState,
  type BlockOptions,
  BusAvailability,
  type Liveness,
  type Readiness,
  SHUTTING_DOWN,
  type Startup,
} from './availability.js';
export {
  availability,
  contextOf,
  createHealthBus,
  type HealthBus,
  HealthContext,
  type HealthEvents,
  type Held,
  healthBus,
  holdShared,
  instrument,
  type RegisteredCheck,
  type RegisterOptions,
  registerCheck,
  type SharedEntries,
} from './context.js';
export {
  type CacheOptions,
  type EngineOptions,
  HealthEngine,
  type ServedResult,
  sharedEngine,
} from './engine.js';
export { CheckHistory, type CheckRecord, type TimelineCell, type Transition } from './history.js';
export { jsonSafe, logText, messageOf, type ScrubFunction } from './json-safe.js';
export { HealthCheckEvent } from './recorder.js';
export {
  expires,
  type RunOptions,
  type RunSettings,
  runHealthChecks,
  type SettledWork,
  settleWithin,
  validExpect,
} from './run.js';
export { type CheckList, listItems, Selection, validCheckName } from './selection.js';
export { type FlappingOptions, type FlappingRule, type OverTimeOptions, validFlapping } from './tracker.js';
export {
  type CheckCall,
  type CheckChange,
  type CheckFunction,
  type CheckOptions,
  type CheckResult,
  type CheckReturn,
  type CheckStatus,
  DEFAULT_TIMEOUT,
  entryOf,
  failingNames,
  type HealthChange,
  HealthError,
  type Instrumentation,
  isOutcome,
  isThenable,
  type KnownCheck,
  type Outcome,
  outcome,
  overallStatus,
  passes,
  RequestError,
  type RunObserver,
  type RunResult,
  type RunStatus,
  SelectionError,
  type ServiceInfo,
  setBounded,
  spanOfTime,
  statusLabel,
  statusValue,
} from './types.js';
export {
  type HealthLogger,
  holdsTimer,
  isStructuredLogger,
  knownOptions,
  type LogFields,
  type Logger,
  MAX_TIMER_MS,
  NOT_SHOWN,
  optionError,
  shown,
  TIMER_MS,
  validBus,
  validCache,
  validHeaderSet,
  validLogger,
  validTimeout,
} from './validate.js';
