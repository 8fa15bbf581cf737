/** Option checks shared by every factory, in one message form: each throws a `TypeError` naming the factory and the option. */
import { entryOf } from './types.js';

/**
 * Anything with `info`, `warn` and `error` methods: console, pino, winston. A structured logger (pino,
 * bunyan: `(fields, message)`) is called with the line's fields first and its message second.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The fields a structured logger gets beside a line's message. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A logger as koa-health writes to it (what `validLogger()` makes of one): every call guarded, and the
 * fields of a line passed on only to a structured logger, first, as pino wants them.
 */
export interface HealthLogger extends Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether the logger gets each line's fields, as `(fields, message)`. */
  readonly structured: boolean;
}

const silent: HealthLogger = { info() {}, warn() {}, error() {}, structured: false };

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

/**
 * Whether a logger takes `(fields, message)`: pino (`bindings()` and `child()`) and bunyan (`fields` and
 * `child()`) do. Any other logger can say so with the factory's `structuredLogs` option.
 */
export function isStructuredLogger(logger: object): boolean {
  const { child, bindings, fields } = logger as { child?: unknown; bindings?: unknown; fields?: unknown };
  return (
    typeof child === 'function' && (typeof bindings === 'function' || (typeof fields === 'object' && fields !== null))
  );
}

/**
 * A logger, or `false` for a silent one. `structured` says whether it takes `(fields, message)`;
 * `undefined` detects it (`isStructuredLogger()`).
 */
export function validLogger(value: unknown, where: string, option = 'logger', structured?: unknown): HealthLogger {
  if (structured !== undefined && typeof structured !== 'boolean')
    throw optionError(where, 'structuredLogs', 'true or false (left out: detected)', structured);
  if (value === false) return silent;
  const logger = value as Partial<Logger> | null;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw optionError(where, option, 'a logger with info, warn and error methods, or false', value);
  }
  return neverThrowing(logger as Logger, structured ?? isStructuredLogger(logger));
}

// One guarded wrapper per logger and way of calling it, so that mounts with the same logger can tell they share it.
type Wrappers = { plain?: HealthLogger; structured?: HealthLogger };
const wrappers = new WeakMap<Logger, Wrappers>();

/**
 * The logger, with each call guarded (a logger that throws must not end a request, a run or the refresh
 * loop), and a line's fields given first to a structured logger, left out for any other.
 */
function neverThrowing(logger: Logger, structured: boolean): HealthLogger {
  const known = entryOf(wrappers, logger, (): Wrappers => ({}));
  const kind = structured ? 'structured' : 'plain';
  const existing = known[kind];
  if (existing) return existing;
  const call = logger as unknown as Record<keyof Logger, (...args: unknown[]) => void>;
  const guarded =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      try {
        if (structured && fields !== undefined) call[level](fields, message);
        else call[level](message);
      } catch {
        // Nowhere left to report it: the logger is what failed.
      }
    };
  const wrapper: HealthLogger = {
    info: guarded('info'),
    warn: guarded('warn'),
    error: guarded('error'),
    structured,
  };
  known[kind] = wrapper;
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

// What HTTP allows: a header name is a token; a value has no CR, LF, NUL or other control but tab.
const HEADER_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Header names to values that HTTP allows, checked now rather than as a failed request later; frozen.
 * `option` names the set (`'headers.MAINTENANCE'`); with `secret`, a wrong value is never shown.
 */
export function validHeaderSet(
  value: unknown,
  where: string,
  option: string,
  secret = false,
): Readonly<Record<string, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(where, option, 'header names to strings', value);
  for (const [name, text] of Object.entries(value)) {
    if (typeof text !== 'string' || !HEADER_NAME.test(name) || !HEADER_VALUE.test(text)) {
      const expected = 'a header value without CR, LF or NUL, under a header name that is a token';
      throw optionError(where, `${option}[${JSON.stringify(name)}]`, expected, secret ? NOT_SHOWN : text);
    }
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}
