/** Option checks shared by every factory, in one message form: each throws a `TypeError` naming the factory and the option. */

/** Anything with `info`, `warn` and `error` methods: console, pino, winston. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** The longest delay Node's timers hold (about 24.8 days); a longer one silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Passed as the value of a wrong option that must not be shown (a URL with a password, header values). */
export const NOT_SHOWN: unique symbol = Symbol('not shown');

/** What a value was, for a message: short, one line, never the value of a secret object. */
export function shown(value: unknown): string {
  if (value === NOT_SHOWN) return 'a value not shown here';
  if (typeof value === 'string')
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/**
 * The one form of a wrong option, whoever checks it: ``health(): `timeout` must be a number of ms from 1 to
 * 2147483647, got -1``. `where` is the factory (`'health()'`), `option` the option's name, or a path to it
 * (`'cache.success'`).
 */
export function optionError(where: string, option: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${where}: \`${option}\` must be ${expected}, got ${shown(got)}`);
}

/**
 * Throws for an option name the factory does not know, so a typo is not silently ignored; and for a
 * `secret` that is present but `undefined` (an unset environment variable), which must not mean "no secret".
 */
export function knownOptions(options: object, allowed: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: the options must be an object, got ${shown(options)}`);
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name))
      throw new TypeError(`${where}: \`${name}\` is not an option (its options: ${allowed.join(', ')})`);
  }
  if (Object.hasOwn(options, 'secret') && (options as { secret?: unknown }).secret === undefined) {
    throw optionError(
      where,
      'secret',
      'a string or a function; leave it out to run without one (an unset variable?)',
      undefined,
    );
  }
}

/** What a number of ms must be for Node's timers to hold it. */
export const TIMER_MS = `a number of ms from 1 to ${2_147_483_647}`;

/** Whether Node's timers hold this many ms (a longer delay silently becomes 1 ms). */
export function holdsTimer(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_MS;
}

/** A positive number of ms that Node's timers can hold. */
export function validTimeout(value: unknown, where: string, option: string): number {
  if (!holdsTimer(value)) throw optionError(where, option, TIMER_MS, value);
  return value;
}

/**
 * How long results are reused, by outcome: `{ success, failure }` in ms, each 0 or a delay timers hold
 * (`health()`'s `cache`, and a registered check's own). With `orFalse`, `false` is none.
 */
export function validCache(value: unknown, where: string, orFalse = false): { success: number; failure: number } {
  if (orFalse && value === false) return { success: 0, failure: 0 };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(where, 'cache', `{ success, failure } in ms${orFalse ? ', or false' : ''}`, value);
  knownOptions(value, ['success', 'failure'], `${where}, \`cache\``);
  const { success = 0, failure = 0 } = value as { success?: unknown; failure?: unknown };
  for (const [name, ttl] of Object.entries({ success, failure })) {
    if (ttl !== 0 && !holdsTimer(ttl)) throw optionError(where, `cache.${name}`, `0 or ${TIMER_MS}`, ttl);
  }
  return { success: success as number, failure: failure as number };
}

/** A mitt emitter: `on`, `off`, `emit` and the `all` map the runner reads subscribers from. */
export function validBus<T>(value: T, where: string, option = 'bus'): T {
  const bus = value as { on?: unknown; off?: unknown; emit?: unknown; all?: unknown } | null;
  if (
    typeof bus?.on !== 'function' ||
    typeof bus.off !== 'function' ||
    typeof bus.emit !== 'function' ||
    !(bus.all instanceof Map)
  ) {
    throw optionError(where, option, 'a mitt emitter (with on, off, emit and all)', value);
  }
  return value;
}

/** A logger, or `false` for a silent one. */
export function validLogger(value: unknown, where: string, option = 'logger'): Logger {
  if (value === false) return silent;
  const logger = value as Partial<Logger> | null;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw optionError(where, option, 'a logger with info, warn and error methods, or false', value);
  }
  return neverThrowing(logger as Logger);
}

// One guarded wrapper per logger, so that mounts with the same logger can tell they share it.
const wrappers = new WeakMap<Logger, Logger>();

/** The logger, with each call guarded: a logger that throws must not end a request, a run or the refresh loop. */
function neverThrowing(logger: Logger): Logger {
  const known = wrappers.get(logger);
  if (known) return known;
  const guarded =
    (level: keyof Logger) =>
    (message: string): void => {
      try {
        logger[level](message);
      } catch {
        // Nowhere left to report it: the logger is what failed.
      }
    };
  const wrapper: Logger = { info: guarded('info'), warn: guarded('warn'), error: guarded('error') };
  wrappers.set(logger, wrapper);
  return wrapper;
}

/**
 * What is wrong with a check's options, if anything, in the one form (`` `tags` must be a list of strings,
 * got "ready" ``): they come from a subscriber, and anything may arrive.
 */
export function checkOptionsProblem(options: unknown, checkTimer = true): string | undefined {
  if (typeof options !== 'object' || options === null) return `the options must be an object, got ${shown(options)}`;
  const { critical, tags, default: isDefault, timeout } = options as Record<string, unknown>;
  const problem = (option: string, expected: string, got: unknown): string =>
    `\`${option}\` must be ${expected}, got ${shown(got)}`;
  if (critical !== undefined && typeof critical !== 'boolean') return problem('critical', 'true or false', critical);
  if (isDefault !== undefined && typeof isDefault !== 'boolean') return problem('default', 'true or false', isDefault);
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    return problem('tags', 'a list of strings', tags);
  }
  if (timeout === undefined || !checkTimer || holdsTimer(timeout)) return undefined;
  return problem('timeout', TIMER_MS, timeout);
}
