import { entryOf } from './bounded.js';
import { type EngineOptions, HealthEngine } from './engine.js';
import { type Held, holdShared, type SharedEntries, sharedOn } from './shared.js';

// By bus, then by logger and settings: mounts on one bus with the same settings run one engine
// (one run per flood, one refresh timer, one log line).
const engines = new WeakMap<object, SharedEntries<string, HealthEngine>>();
// Loggers are told apart by identity: each gets a number of its own.
const loggerIds = new WeakMap<object, number>();
let nextLoggerId = 0;

/**
 * The engine for these settings on their bus: the one another mount made, or a new one.
 * `release()` stops it once no mount uses it any more.
 */
export function sharedEngine(options: EngineOptions): Held<HealthEngine> {
  return holdShared(sharedOn(engines, options.bus), settingsKey(options), () => {
    const engine = new HealthEngine(options);
    return { value: engine, stop: () => engine.close() };
  });
}

function settingsKey({ timeout, refreshInterval, logger, cache, expect, history }: EngineOptions): string {
  const id = entryOf(loggerIds, logger, () => nextLoggerId++);
  return JSON.stringify([timeout, refreshInterval, id, cache.success, cache.failure, expect, history]);
}
