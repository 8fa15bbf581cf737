import { entryOf } from './bounded.js';
import type { HealthBus } from './bus.js';

/** Where an instance is in its life, as its probes see it: kept per bus, shared by every mount on it. */
export interface Lifecycle {
  /** When the startup checks first passed, ms since the epoch; `undefined` until then. Passes once. */
  startedAt: number | undefined;
  /** When draining (graceful shutdown) began, ms since the epoch; `undefined` while serving. */
  drainingSince: number | undefined;
}

const lifecycles = new WeakMap<HealthBus, Lifecycle>();

/** The lifecycle of the instance whose checks run on `bus`. */
export function lifecycleOf(bus: HealthBus): Lifecycle {
  return entryOf(lifecycles, bus, () => ({ startedAt: undefined, drainingSince: undefined }));
}
