/** Option checks shared by every factory: each throws a `TypeError` naming the option. */

/** Anything with `info`, `warn` and `error` methods: console, pino, winston. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** The longest delay Node's timers hold (about 24.8 days); a longer one silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Throws for an option name the factory does not know, so a typo is not silently ignored; and for a
 * `secret` that is present but `undefined` (an unset environment variable), which must not mean "no secret".
 */
export function knownOptions(options: object, allowed: readonly string[], factory: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${factory}: options must be an object`);
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) throw new TypeError(`${factory}: unknown option "${name}"`);
  }
  if (Object.hasOwn(options, 'secret') && (options as { secret?: unknown }).secret === undefined) {
    throw new TypeError(
      `${factory}: option "secret" is present but undefined (an unset variable?); leave it out to run without one`,
    );
  }
}

/** What is wrong with a number of ms a timer will hold, if anything. */
function timerLimitProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    return `must be a positive, finite number of ms (got ${String(value)})`;
  if (value > MAX_TIMER_MS)
    return `must be at most ${MAX_TIMER_MS} ms, the longest delay Node's timers hold (got ${value})`;
  return undefined;
}

/** A positive number of ms that Node's timers can hold. */
export function validTimeout(value: unknown, name: string): number {
  const problem = timerLimitProblem(value);
  if (problem !== undefined) throw new TypeError(`option "${name}" ${problem}`);
  return value as number;
}

/** A mitt emitter: `on`, `off`, `emit` and the `all` map the runner reads subscribers from. */
export function validBus<T>(value: T, name: string): T {
  const bus = value as { on?: unknown; off?: unknown; emit?: unknown; all?: unknown } | null;
  if (
    typeof bus?.on !== 'function' ||
    typeof bus.off !== 'function' ||
    typeof bus.emit !== 'function' ||
    !(bus.all instanceof Map)
  ) {
    throw new TypeError(`option "${name}" must be a mitt emitter (with on, off, emit and all)`);
  }
  return value;
}

/** A logger, or `false` for a silent one. */
export function validLogger(value: unknown, name: string): Logger {
  if (value === false) return silent;
  const logger = value as Partial<Logger> | null;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError(`option "${name}" must have info, warn and error methods, or be false`);
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

/** What is wrong with a check's options, if anything (they come from a subscriber: anything may arrive). */
export function checkOptionsProblem(
  options: unknown,
  timerProblem: (ms: unknown) => string | undefined = timerLimitProblem,
): string | undefined {
  if (typeof options !== 'object' || options === null) return 'options must be an object';
  const { critical, tags, default: isDefault, timeout } = options as Record<string, unknown>;
  if (critical !== undefined && typeof critical !== 'boolean') return '"critical" must be true or false';
  if (isDefault !== undefined && typeof isDefault !== 'boolean') return '"default" must be true or false';
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    return '"tags" must be a list of strings';
  }
  const problem = timeout === undefined ? undefined : timerProblem(timeout);
  return problem === undefined ? undefined : `"timeout" ${problem}`;
}
