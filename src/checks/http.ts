import { knownOptions, type CheckFunction } from '../core/index.js';
import { argumentError } from './probe.js';

/** Which statuses pass: one, a list, a class such as `'2xx'`, or a predicate. */
export type ExpectedStatus = number | readonly number[] | `${1 | 2 | 3 | 4 | 5}xx` | ((status: number) => boolean);

/** Options of `httpCheck()`. */
export interface HttpCheckOptions {
  /**
   * The request method.
   * @default 'GET'
   */
  method?: string;
  /**
   * The statuses that pass.
   * @default '2xx'
   */
  expect?: ExpectedStatus;
  /**
   * Request headers.
   * @default {}
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Checks an HTTP dependency with `fetch` under the check's signal (impact_stack's API liveliness, panopticon's
 * `check_url`). The response body is always cancelled, so a body that never ends costs nothing; the message
 * says the status and the time.
 * @throws {TypeError} for a URL that does not parse, or a wrong option
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): CheckFunction {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw argumentError('httpCheck()', 'url', 'an absolute http(s) URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw argumentError('httpCheck()', 'url', 'an absolute http(s) URL');
  knownOptions(options, ['method', 'expect', 'headers'], 'httpCheck()');
  const { method = 'GET', expect = '2xx', headers = {} } = options;
  if (typeof method !== 'string' || !/^[A-Z]+$/i.test(method)) throw argumentError('httpCheck()', 'method', 'an HTTP method');
  if (typeof headers !== 'object' || headers === null) throw argumentError('httpCheck()', 'headers', 'an object of strings');
  const passes = expected(expect);
  return async (signal) => {
    const started = performance.now();
    const response = await fetch(target, { method, headers, signal, redirect: 'manual' });
    // Only the status matters: never wait for (or buffer) the body.
    await response.body?.cancel().catch(() => undefined);
    const message = `HTTP ${response.status} in ${Math.round(performance.now() - started)} ms`;
    if (!passes(response.status)) throw new Error(`${message}, expected ${describe(expect)}`);
    return message;
  };
}

function expected(expect: unknown): (status: number) => boolean {
  if (typeof expect === 'function') return (status) => expect(status) === true;
  if (typeof expect === 'number' && Number.isInteger(expect)) return (status) => status === expect;
  if (Array.isArray(expect) && expect.length > 0 && expect.every((item) => Number.isInteger(item))) {
    return (status) => expect.includes(status);
  }
  if (typeof expect === 'string' && /^[1-5]xx$/.test(expect)) {
    const hundreds = Number(expect[0]);
    return (status) => Math.floor(status / 100) === hundreds;
  }
  throw argumentError('httpCheck()', 'expect', "a status, a list of statuses, a class such as '2xx', or a function");
}

function describe(expect: ExpectedStatus): string {
  if (typeof expect === 'function') return 'a status the predicate accepts';
  return Array.isArray(expect) ? (expect as readonly number[]).join(' or ') : String(expect);
}
