import { HealthEngine, type EngineOptions } from './engine.js';

/** An engine shared by the mounts that ask for one with the same settings, and how many use it. */
interface SharedEngine {
  readonly options: EngineOptions;
  readonly engine: HealthEngine;
  users: number;
}

// By bus: mounts on one bus with the same settings run one engine (one run per flood, one refresh timer, one log line).
const shared = new WeakMap<object, SharedEngine[]>();

/**
 * The engine for these settings on their bus: the one another mount made, or a new one.
 * `release()` stops it once no mount uses it any more.
 */
export function sharedEngine(options: EngineOptions): { engine: HealthEngine; release(): void } {
  const engines = shared.get(options.bus) ?? [];
  shared.set(options.bus, engines);
  let entry = engines.find((candidate) => sameSettings(candidate.options, options));
  if (!entry) {
    entry = { options, engine: new HealthEngine(options), users: 0 };
    engines.push(entry);
  }
  entry.users++;
  const found = entry;
  let released = false;
  return {
    engine: found.engine,
    release() {
      if (released) return;
      released = true;
      if (--found.users > 0) return;
      found.engine.close();
      engines.splice(engines.indexOf(found), 1);
    },
  };
}

function sameSettings(a: EngineOptions, b: EngineOptions): boolean {
  return a.timeout === b.timeout && a.refreshInterval === b.refreshInterval && a.logger === b.logger &&
    a.cache.success === b.cache.success && a.cache.failure === b.cache.failure && a.expect.join() === b.expect.join() &&
    a.history === b.history;
}
