/**
 * `environment()`: a scrubbed JSON dump of what is running, for operators. `sections` has the built-in
 * sections (os, node, process), `scrub` the rules that mask secrets on the way out.
 * @module
 */
import { join } from 'node:path';
import type { Context, Middleware, Next } from 'koa';
import {
  DEFAULT_TIMEOUT,
  knownOptions,
  type Logger,
  optionError,
  settleWithin,
  validLogger,
  validTimeout,
} from '../core/index.js';
import {
  authorizer,
  checkedQuerystring,
  outside,
  Refusals,
  replyError,
  replyText,
  type Secret,
  setHeader,
  textParameter,
  validPath,
} from '../koa/index.js';
import { keyScrubber, type ScrubFunction, sanitize } from './scrub.js';
import { nodeSection, osSection, processSection } from './sections.js';

export { MASK, type ScrubFunction, SECRET_KEY_PATTERNS } from './scrub.js';

/** A section of the dump: returns (or resolves to) what it shows; gets a signal aborted at the deadline. */
export type SectionFunction = (signal: AbortSignal) => unknown;

/** Which built-in sections are shown. */
export interface IncludeOptions {
  /**
   * Platform, release, arch, hostname, uptime, load average, memory, CPU count.
   * @default true
   */
  os?: boolean;
  /**
   * Node's version, `process.versions`, execPath, and the app's dependencies with installed versions.
   * @default true
   */
  node?: boolean;
  /**
   * pid, argv, cwd, user, uptime, memory usage and the environment variables.
   * @default true
   */
  process?: boolean;
  /**
   * The `config` object.
   * @default true
   */
  config?: boolean;
}

/** Options of `environment()`. */
export interface EnvironmentOptions {
  /**
   * Where the dump answers (also with one trailing slash).
   * @default '/environment'
   */
  path?: string;
  /**
   * Built-in sections to show.
   * @default { os: true, node: true, process: true, config: true }
   */
  include?: IncludeOptions;
  /**
   * The app's configuration, shown (scrubbed) as the `config` section.
   * @default {}
   */
  config?: object;
  /**
   * More sections, by name.
   * @default {}
   */
  sections?: Readonly<Record<string, SectionFunction>>;
  /**
   * More key patterns to mask (strings match anywhere, case-insensitive), or a function
   * `(key, value) => shown value` that replaces the built-in rules.
   * @default [] (the built-in patterns: key, token, pass, pwd, secret, auth, credential, private, session, cookie, signature)
   */
  scrub?: readonly (string | RegExp)[] | ScrubFunction;
  /**
   * The secret needed as `?auth=` or `Authorization: Bearer`, or a function `(ctx) => boolean`, as for `health()`.
   * Leave it out to run without one: present but `undefined` (an unset variable) throws a `TypeError`.
   * @default undefined (public: do not leave it so in production)
   */
  secret?: Secret | undefined;
  /**
   * Deadline in ms for each section.
   * @default 5000
   */
  timeout?: number;
  /**
   * The app's package.json, whose dependencies the `node` section lists.
   * @default 'package.json' in the working directory
   */
  packageJson?: string;
  /**
   * Anything with `info`, `warn` and `error` (console, pino): a refused request is logged at warn, as `health()` does; `false` silences it.
   * @default console
   */
  logger?: Logger | false;
}

/** The middleware `environment()` returns; `addSection()` adds a section later. */
export interface EnvironmentMiddleware extends Middleware {
  /**
   * Adds a section shown under `name`.
   * @throws {TypeError} if a section of that name exists, or `fn` is not a function
   */
  addSection(name: string, fn: SectionFunction): void;
}

const OPTIONS = [
  'path',
  'include',
  'config',
  'sections',
  'scrub',
  'secret',
  'timeout',
  'packageJson',
  'logger',
] as const;
const BUILT_IN = ['os', 'node', 'process', 'config'] as const;

/**
 * A Koa middleware answering a JSON dump of what is running (OS, Node, process, configuration and
 * sections of the app's own) at `path`, with secrets scrubbed. GET and HEAD only.
 * @throws {TypeError} for a bad or unknown option
 */
export function environment(options: EnvironmentOptions = {}): EnvironmentMiddleware {
  knownOptions(options, OPTIONS, 'environment()');
  const {
    path = '/environment',
    include = {},
    config = {},
    sections = {},
    scrub = [],
    secret,
    timeout = DEFAULT_TIMEOUT,
    packageJson = join(process.cwd(), 'package.json'),
    logger = console,
  } = options;
  const refusals = new Refusals(validLogger(logger, 'environment()'), 'an environment request');
  const endpoint = validPath(path, 'environment()');
  knownOptions(include, BUILT_IN, 'environment(), `include`');
  if (typeof config !== 'object' || config === null) throw optionError('environment()', 'config', 'an object', config);
  const rule = typeof scrub === 'function' ? scrub : keyScrubber(Array.isArray(scrub) ? scrub : invalidScrub(scrub));
  const authorize = authorizer(secret, 'environment()');
  validTimeout(timeout, 'environment()', 'timeout');
  if (typeof packageJson !== 'string' || packageJson === '')
    throw optionError('environment()', 'packageJson', 'a path', packageJson);

  const builtIn: Record<(typeof BUILT_IN)[number], SectionFunction> = {
    os: osSection,
    node: () => nodeSection(packageJson),
    process: processSection,
    config: () => config,
  };
  const all = new Map<string, SectionFunction>();
  for (const name of BUILT_IN) if (include[name] !== false) all.set(name, builtIn[name]);

  function addSection(name: string, fn: SectionFunction): void {
    if (typeof name !== 'string' || name === '') throw optionError('addSection()', 'name', 'a non-empty string', name);
    if (typeof fn !== 'function')
      throw optionError('addSection()', 'fn', `a function (section ${JSON.stringify(name)})`, fn);
    if (all.has(name) || (BUILT_IN as readonly string[]).includes(name)) {
      throw optionError('addSection()', 'name', 'a name no section has yet', name);
    }
    all.set(name, fn);
  }
  for (const [name, fn] of Object.entries(sections)) addSection(name, fn);

  async function dump(ctx: Context): Promise<void> {
    setHeader(ctx, 'Cache-Control', 'no-store');
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      setHeader(ctx, 'Allow', 'GET, HEAD');
      return replyText(ctx, 405, 'method not allowed');
    }
    let auth: string | undefined;
    try {
      // As for health(): a query string too long is 414, a parameter given twice or as an object 400.
      checkedQuerystring(ctx);
      auth = textParameter(ctx.query.auth, 'auth');
    } catch (error) {
      return replyError(ctx, error);
    }
    if (authorize && !authorize(ctx, auth)) return refusals.refuse(ctx);
    const entries = await Promise.all(
      [...all].map(async ([name, fn]) => {
        const settled = await settleWithin(fn, timeout);
        return [name, settled.ok ? settled.value : { error: settled.message }] as const;
      }),
    );
    setHeader(ctx, 'Content-Type', 'application/json; charset=utf-8');
    ctx.body = JSON.stringify(sanitize(Object.fromEntries(entries), rule), null, 2);
  }

  const endpointSlash = `${endpoint}/`;
  function koaEnvironment(ctx: Context, next: Next): Promise<unknown> {
    if (outside(ctx.req.url, endpoint)) return next();
    const requested = ctx.path;
    if (requested !== endpoint && requested !== endpointSlash) return next();
    return dump(ctx);
  }
  return Object.assign(koaEnvironment, { addSection });
}

function invalidScrub(scrub: unknown): never {
  throw optionError('environment()', 'scrub', 'a list of patterns or a function', scrub);
}
