/** Option checks shared by the factories: each throws a `TypeError` naming the option. */

/** Anything with `info`, `warn` and `error` methods: console, pino, winston. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** Throws for an option name the factory does not know, so a typo is not silently ignored. */
export function knownOptions(options: object, allowed: readonly string[], factory: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${factory}: options must be an object`);
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) throw new TypeError(`${factory}: unknown option "${name}"`);
  }
}

export function validTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`option "${name}" must be a positive, finite number of ms (got ${String(value)})`);
  }
  return value;
}

export function validCode(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 999) {
    throw new TypeError(`option "${name}" must be an HTTP status code from 100 to 999 (got ${String(value)})`);
  }
  return value;
}

export function validPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw new TypeError(`option "${name}" must be a path starting with "/" (got ${JSON.stringify(value)})`);
  }
  // `/health/` and `/health` are the same endpoint; keep the form without the slash.
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

export function validBus<T>(value: T, name: string): T {
  const bus = value as { on?: unknown; off?: unknown; emit?: unknown; all?: unknown } | null;
  if (
    typeof bus?.on !== 'function' || typeof bus.off !== 'function' || typeof bus.emit !== 'function' ||
    !(bus.all instanceof Map)
  ) {
    throw new TypeError(`option "${name}" must be a mitt emitter (with on, off, emit and all)`);
  }
  return value;
}

export function validLogger(value: unknown, name: string): Logger {
  if (value === false) return silent;
  const logger = value as Partial<Logger> | null;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError(`option "${name}" must have info, warn and error methods, or be false`);
  }
  return logger as Logger;
}

export function validFile(value: unknown, name: string): string | false {
  if (value === false) return false;
  if (typeof value !== 'string' || value === '') throw new TypeError(`option "${name}" must be a file path or false`);
  return value;
}
