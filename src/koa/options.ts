import type { Middleware } from 'koa';
import {
  type CacheOptions,
  type CheckList,
  DEFAULT_TIMEOUT,
  type EngineOptions,
  type FlappingOptions,
  type HealthBus,
  type HealthLogger,
  healthBus,
  knownOptions,
  type Logger,
  optionError,
  type Selection,
  type ServiceInfo,
  validBus,
  validCache,
  validExpect,
  validFlapping,
  validLogger,
  validTimeout,
} from '../core/index.js';
import type { AnswerStatus, CustomFormat } from '../formats/index.js';
import { type Authorizer, authorizer, type DetailsLevel, detailsLevel, type Secret } from './access.js';
import {
  defaultService,
  type StateHeaders,
  validCode,
  validCount,
  validFile,
  validHeaders,
  validPath,
  validSelection,
  validService,
} from './validate.js';

/** Options of `health()`. */
export interface HealthOptions {
  /**
   * Where the endpoint answers (also with one trailing slash). `false` answers every request that
   * reaches the middleware, for mounting on a router route.
   * @default '/health'
   */
  path?: string | false;
  /**
   * While this file exists the instance is in maintenance; `false` turns that off.
   * @default '/tmp/maintenance'
   */
  disableFile?: string | false;
  /**
   * Status while in maintenance. Kubernetes counts 200 to 399 as ready: use 503 to drain a pod.
   * @default 299
   */
  maintenanceCode?: number;
  /**
   * Status when a check fails.
   * @default 503
   */
  failureCode?: number;
  /**
   * Status when the checks pass but one warns (the endpoint's; the probes answer 200). Consul reads `429`
   * as warning; Kubernetes and most load balancers count anything but 2xx and 3xx as down.
   * @default 200
   */
  warnCode?: number;
  /**
   * What the service says of itself in every JSON answer (`service`), health+json's `version`,
   * `releaseId`, `serviceId` and `description`, the webhooks of `koa-health/notify`, and Prometheus'
   * `koa_health_info`.
   * @default { version: process.env.npm_package_version } where npm set it, else {}
   */
  service?: ServiceInfo;
  /**
   * The mitt emitter the `'healthcheck'` event is emitted on.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Deadline in ms for one whole run of the application checks.
   * @default 5000
   */
  timeout?: number;
  /**
   * Anything with `info`, `warn` and `error` (console, pino); `false` silences it.
   * @default console
   */
  logger?: Logger | false;
  /**
   * Whether the logger takes `(fields, message)`, as pino and bunyan do: each line of a change then carries
   * `status`, `before`, `checks` (`name`, `status`, `message`, `durationMs`), `changes` and `selection`.
   * @default detected: true for pino (`bindings()` and `child()`) and bunyan (`fields` and `child()`)
   */
  structuredLogs?: boolean;
  /**
   * Reuse results for a while, by outcome, in ms (e.g. `{ success: 27000, failure: 9000 }`: a failure is looked at again sooner).
   * @default false
   */
  cache?: CacheOptions | false;
  /**
   * Run all checks every this many ms in the background and answer from the last result.
   * @default false
   */
  refreshInterval?: number | false;
  /**
   * Running checks needs this secret as `?auth=` or `Authorization: Bearer`, compared in constant time;
   * or a function `(ctx) => boolean` for other schemes. The bare endpoint and `/ping` stay public.
   * Leave it out to run without one: present but `undefined` (an unset variable) throws a `TypeError`
   * when `health()` is called, so `secret: process.env.HEALTH_SECRET` compiles and fails at startup if unset.
   * @default undefined (no secret)
   */
  secret?: Secret | undefined;
  /**
   * Who sees each check in the JSON formats: `'always'`, `'authorized'` (with the secret) or `'never'`.
   * @default 'always' without a secret, 'authorized' with one
   */
  details?: DetailsLevel | undefined;
  /**
   * Writes the body of answers in the default format, instead of the bare words.
   * @default undefined (text: OK, WARN answers OK, MAINTENANCE, ERROR)
   */
  format?: CustomFormat | undefined;
  /**
   * Extra response headers by state, e.g. `{ MAINTENANCE: { 'Retry-After': '120' } }`.
   * @default {}
   */
  headers?: Partial<Record<AnswerStatus, Readonly<Record<string, string>>>>;
  /**
   * Check names that must report: one that a run asking for it does not hear from fails with
   * `did not report`, so an app that forgot to import a check module does not look healthy.
   * @default []
   */
  expect?: readonly string[];
  /**
   * The checks `path/ready` runs (and, until startup has passed, the startup ones too).
   * @default '_defaults'
   */
  readiness?: CheckList;
  /**
   * The checks that must pass once, at `path/startup` or `path/ready`, before the instance counts as started.
   * @default the readiness checks
   */
  startup?: CheckList;
  /**
   * How many status transitions the status page keeps (a ring buffer: a fixed bound, never growing).
   * @default 100
   */
  history?: number;
  /**
   * How many recent results of each check, and of the overall status, the status page draws as a timeline.
   * @default 30
   */
  timeline?: number;
  /**
   * Flap detection for every check that sets none of its own (`registerCheck()`'s `flapping`): a check
   * whose status changed `changes` times within `window` ms holds `status` until a whole window passes
   * without a change.
   * @default off
   */
  flapping?: FlappingOptions;
}

/** The middleware `health()` returns; `close()` stops its background refresh. */
export interface HealthMiddleware extends Middleware {
  /** Stops the background refresh (`refreshInterval`); later requests run their checks on demand. */
  close(): void;
  /** The bus its checks run on: `gracefulShutdown()` drains the probes of this bus. */
  readonly bus: HealthBus;
}

/** `health()`'s options, checked and with their defaults: what the endpoint and its engine are built from. */
export interface HealthConfig {
  /** The endpoint's path without a trailing slash, or `false` to answer whatever reaches the middleware. */
  readonly path: string | false;
  readonly disableFile: string | false;
  readonly maintenanceCode: number;
  readonly failureCode: number;
  readonly warnCode: number;
  readonly service: ServiceInfo;
  readonly logger: HealthLogger;
  /** `undefined` when there is no secret. */
  readonly authorize: Authorizer | undefined;
  /** Whether answers that pass the secret guard show each check. */
  readonly showDetails: boolean;
  /** Who sees details: the probes, which have no guard, decide per request. */
  readonly details: DetailsLevel;
  /** The checks of `path/ready`, of `path/startup`, and of `path/ready` until startup has passed (both). */
  readonly readiness: Selection;
  readonly startup: Selection;
  readonly starting: Selection;
  readonly format: CustomFormat | undefined;
  readonly headers: StateHeaders;
  readonly engine: EngineOptions;
}

export type { StateHeaders } from './validate.js';

const OPTIONS = [
  'path',
  'disableFile',
  'maintenanceCode',
  'failureCode',
  'warnCode',
  'service',
  'bus',
  'timeout',
  'logger',
  'structuredLogs',
  'cache',
  'refreshInterval',
  'secret',
  'details',
  'format',
  'headers',
  'expect',
  'readiness',
  'startup',
  'history',
  'timeline',
  'flapping',
] as const;

/**
 * Checks `health()`'s options and fills in the defaults.
 * @throws {TypeError} naming a bad or unknown option
 */
export function configure(options: HealthOptions): HealthConfig {
  knownOptions(options, OPTIONS, 'health()');
  const {
    path = '/health',
    disableFile = '/tmp/maintenance',
    maintenanceCode = 299,
    failureCode = 503,
    warnCode = 200,
    service = defaultService(),
    bus = healthBus,
    timeout = DEFAULT_TIMEOUT,
    logger = console,
    structuredLogs,
    cache = false,
    refreshInterval = false,
    secret,
    details,
    format,
    headers = {},
    expect = [],
    readiness = '_defaults',
    startup = readiness,
    history = 100,
    timeline = 30,
    flapping,
  } = options;
  const log = validLogger(logger, 'health()', 'logger', structuredLogs);
  const authorize = authorizer(secret, 'health()');
  const detailsFor = detailsLevel(details, authorize !== undefined, 'health()');
  if (format !== undefined && typeof format !== 'function')
    throw optionError('health()', 'format', 'a function', format);
  return {
    path: path === false ? false : validPath(path, 'health()'),
    disableFile: validFile(disableFile, 'health()', 'disableFile'),
    maintenanceCode: validCode(maintenanceCode, 'health()', 'maintenanceCode'),
    failureCode: validCode(failureCode, 'health()', 'failureCode'),
    warnCode: validCode(warnCode, 'health()', 'warnCode'),
    service: validService(service, 'health()'),
    logger: log,
    authorize,
    // Past the guard a request with a secret is authorized: who sees details is known now.
    showDetails: detailsFor === 'always' || (detailsFor === 'authorized' && authorize !== undefined),
    details: detailsFor,
    readiness: validSelection(readiness, 'health()', 'readiness'),
    startup: validSelection(startup, 'health()', 'startup'),
    starting: validSelection([readiness, startup].flat(), 'health()', 'startup'),
    format,
    headers: validHeaders(headers, 'health()'),
    engine: {
      bus: validBus(bus, 'health()'),
      timeout: validTimeout(timeout, 'health()', 'timeout'),
      cache: validCache(cache, 'health()', true),
      refreshInterval: refreshInterval === false ? 0 : validTimeout(refreshInterval, 'health()', 'refreshInterval'),
      logger: log,
      expect: validExpect(expect, 'health()'),
      history: validCount(history, 'health()', 'history'),
      timeline: validCount(timeline, 'health()', 'timeline', 500),
      flapping: flapping === undefined ? undefined : validFlapping(flapping, 'health()'),
    },
  };
}
