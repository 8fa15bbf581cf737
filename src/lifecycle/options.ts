import { constants } from 'node:os';
import {
  type HealthBus,
  healthBus,
  knownOptions,
  type Logger,
  optionError,
  validLogger,
  validTimeout,
} from '../core/index.js';

/** Options of `gracefulShutdown()`. */
export interface ShutdownOptions {
  /**
   * The signals that start the shutdown; a second one during it exits at once.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * Ms during which readiness already answers 503 while requests are still served, so that endpoints and
   * load balancers stop sending traffic; answers carry `Connection: close` meanwhile. Use 0 with a preStop sleep.
   * @default 5000 in Kubernetes (KUBERNETES_SERVICE_HOST set), else 0
   */
  shutdownDelay?: number;
  /**
   * Ms to wait for requests in flight after `server.close()`; then the remaining sockets are destroyed.
   * @default 10000
   */
  drainTimeout?: number;
  /**
   * Runs first, before the delay (terminus's name); bounded by `hookTimeout`, and skipped if it hangs or throws.
   * @default undefined
   */
  beforeShutdown?: () => unknown;
  /**
   * Runs last, once the server is closed (close pools and clients here); bounded by `hookTimeout`.
   * @default undefined
   */
  onShutdown?: () => unknown;
  /**
   * Ms each hook may take.
   * @default 5000
   */
  hookTimeout?: number;
  /**
   * The orchestrator's limit (Kubernetes' `terminationGracePeriodSeconds`, in ms): the phases must fit in it.
   * @default 30000
   */
  gracePeriod?: number;
  /**
   * The health middleware(s) whose readiness turns 503, by the bus their checks run on.
   * @default the mounts on healthBus
   */
  health?: { readonly bus: HealthBus } | readonly { readonly bus: HealthBus }[];
  /**
   * Exit when done, as the signal would have (or with 1 after a failure); `false` only settles the promise.
   * @default true
   */
  exit?: boolean;
  /**
   * Anything with `info`, `warn` and `error`; `false` silences it.
   * @default console
   */
  logger?: Logger | false;
}

/** The options, checked, with their defaults. */
interface ShutdownSettings {
  readonly signals: readonly NodeJS.Signals[];
  readonly shutdownDelay: number;
  readonly drainTimeout: number;
  readonly hookTimeout: number;
  readonly beforeShutdown: (() => unknown) | undefined;
  readonly onShutdown: (() => unknown) | undefined;
  readonly buses: readonly HealthBus[];
  readonly exit: boolean;
  readonly logger: Logger;
}

// Signals the kernel never lets a process handle (Node throws when one is listened for).
const UNCATCHABLE: readonly string[] = ['SIGKILL', 'SIGSTOP'];

const OPTIONS = [
  'signals',
  'shutdownDelay',
  'drainTimeout',
  'beforeShutdown',
  'onShutdown',
  'hookTimeout',
  'gracePeriod',
  'health',
  'exit',
  'logger',
] as const;

/**
 * Checks the options and that their worst case fits the grace period.
 * @throws {TypeError} naming a wrong option, or the one to lower when the phases overrun `gracePeriod`
 */
export function shutdownSettings(options: ShutdownOptions): ShutdownSettings {
  knownOptions(options, OPTIONS, 'gracefulShutdown()');
  const {
    signals = ['SIGTERM', 'SIGINT'],
    shutdownDelay = process.env.KUBERNETES_SERVICE_HOST ? 5000 : 0,
    drainTimeout = 10_000,
    hookTimeout = 5000,
    gracePeriod = 30_000,
    beforeShutdown,
    onShutdown,
    health = { bus: healthBus },
    exit = true,
    logger = console,
  } = options;
  const known = (signal: unknown): boolean => typeof signal === 'string' && Object.hasOwn(constants.signals, signal);
  if (!Array.isArray(signals) || signals.length === 0 || !signals.every(known)) {
    throw optionError(
      'gracefulShutdown()',
      'signals',
      "a list of signal names Node knows, such as ['SIGTERM', 'SIGINT']",
      signals,
    );
  }
  const uncatchable = signals.find((signal) => UNCATCHABLE.includes(signal));
  if (uncatchable !== undefined)
    throw optionError(
      'gracefulShutdown()',
      'signals',
      'signals a process can catch (not SIGKILL or SIGSTOP)',
      uncatchable,
    );
  if (shutdownDelay !== 0) validTimeout(shutdownDelay, 'gracefulShutdown()', 'shutdownDelay');
  validTimeout(drainTimeout, 'gracefulShutdown()', 'drainTimeout');
  validTimeout(hookTimeout, 'gracefulShutdown()', 'hookTimeout');
  validTimeout(gracePeriod, 'gracefulShutdown()', 'gracePeriod');
  for (const [name, hook] of Object.entries({ beforeShutdown, onShutdown })) {
    if (hook !== undefined && typeof hook !== 'function')
      throw optionError('gracefulShutdown()', name, 'a function', hook);
  }
  if (typeof exit !== 'boolean') throw optionError('gracefulShutdown()', 'exit', 'true or false', exit);
  const mounts = Array.isArray(health) ? health : [health];
  if (!mounts.every((mount) => typeof (mount as { bus?: { emit?: unknown } } | null)?.bus?.emit === 'function')) {
    throw optionError('gracefulShutdown()', 'health', 'the middleware health() returned, or a list of them', health);
  }
  const worst = shutdownDelay + drainTimeout + 2 * hookTimeout;
  if (worst > gracePeriod) {
    throw new TypeError(
      `gracefulShutdown(): shutdownDelay + drainTimeout + 2 × hookTimeout = ${worst} ms overruns gracePeriod (${gracePeriod} ms): ` +
        `lower ${largest({ shutdownDelay, drainTimeout, hookTimeout: 2 * hookTimeout })}, or raise gracePeriod with terminationGracePeriodSeconds`,
    );
  }
  return {
    signals,
    shutdownDelay,
    drainTimeout,
    hookTimeout,
    beforeShutdown: beforeShutdown as (() => unknown) | undefined,
    onShutdown: onShutdown as (() => unknown) | undefined,
    buses: [...new Set(mounts.map((mount) => mount.bus))],
    exit,
    logger: validLogger(logger, 'gracefulShutdown()'),
  };
}

/** The name of the largest of these. */
function largest(values: Record<string, number>): string {
  return Object.entries(values).sort(([, a], [, b]) => b - a)[0]![0];
}
