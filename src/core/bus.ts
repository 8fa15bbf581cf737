import mittModule, { type Emitter } from 'mitt';
import type { HealthCheckEvent } from './event.js';
import type { HealthChange, HealthResult } from './result.js';

/** The events koa-health emits, by name. */
export type HealthEvents = {
  /** A run has started: report or check on the event. */
  healthcheck: HealthCheckEvent;
  /** A run has finished, with its collated result. */
  healthresult: HealthResult;
  /** The overall status, or a check's status, changed since the previous run. */
  healthchange: HealthChange;
};

/** A mitt emitter carrying koa-health's events. */
export type HealthBus = Emitter<HealthEvents>;

// mitt's types describe a CommonJS default export; under nodenext the callable is `.default` (developit/mitt#191).
const mitt = mittModule as unknown as typeof mittModule.default;

/** Creates a bus of its own, for an app (or a test) that wants one apart from `healthBus`. */
export function createHealthBus(): HealthBus {
  return mitt<HealthEvents>();
}

/** The shared bus: any module can subscribe to it on import, without passing objects around. */
export const healthBus: HealthBus = createHealthBus();
