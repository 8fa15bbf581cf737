import { type HealthBus, healthBus } from './bus.js';
import { type CheckFunction, type CheckOptions, checkOptionsProblem } from './check.js';
import type { HealthCheckEvent } from './event.js';
import { validCheckName } from './selection.js';
import { validBus } from './validate.js';

/** Options of `registerCheck()`: how the check takes part in a run, and on which bus. */
export interface RegisterOptions extends CheckOptions {
  /**
   * The bus whose runs the check takes part in.
   * @default healthBus
   */
  bus?: HealthBus;
}

/**
 * Runs `fn` as the check `name` in every run on the bus: `event.check(name, fn, options)` in one line
 * (impact_stack's `register_check`). Returns a function that unsubscribes it.
 * @throws {TypeError} for a name that cannot be asked for, a `fn` that is not a function, or a bad option
 */
export function registerCheck(name: string, fn: CheckFunction, options: RegisterOptions = {}): () => void {
  if (typeof name !== 'string' || !validCheckName(name)) {
    throw new TypeError(
      `registerCheck(): the name must be letters, digits and _ . : - (got ${JSON.stringify(String(name))})`,
    );
  }
  if (typeof fn !== 'function') throw new TypeError(`registerCheck(): check "${name}" must be a function`);
  const { bus = healthBus, ...checkOptions } = options ?? {};
  validBus(bus, 'bus');
  const problem = checkOptionsProblem(checkOptions);
  if (problem !== undefined) throw new TypeError(`registerCheck(): option ${problem}`);
  // Named after the check, so a subscriber failure would be reported under a name that says whose.
  const subscriber = { [name]: (event: HealthCheckEvent) => void event.check(name, fn, checkOptions) }[name]!;
  bus.on('healthcheck', subscriber);
  return () => bus.off('healthcheck', subscriber);
}
