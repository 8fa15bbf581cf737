import { type CheckFunction, knownOptions, messageOf, NOT_SHOWN, shown } from '../core/index.js';
import { argumentError } from './probe.js';

// The Fetch standard's blocked ports: Node's fetch fails every request to them with `bad port`.
const BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Which statuses pass: one, a list, a class such as `'2xx'`, or a predicate. */
export type ExpectedStatus = number | readonly number[] | `${1 | 2 | 3 | 4 | 5}xx` | ((status: number) => boolean);

/** What the body must hold: a string it contains, a pattern it matches, or a predicate that accepts it. */
export type ExpectedBody = string | RegExp | ((body: string) => boolean);

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
  /**
   * What the body must hold. Without it the body is never read.
   * @default none
   */
  expectBody?: ExpectedBody;
  /**
   * How much of the body `expectBody` is judged on: a larger body is read no further.
   * @default 65536
   */
  maxBodyBytes?: number;
}

/**
 * Checks an HTTP dependency (an API the service calls) with `fetch` under the check's signal. The response body is always cancelled, so a body that never ends costs nothing; the message
 * says the status and the time, or the real cause of a failure (`ECONNREFUSED`, `ENOTFOUND`, the TLS error).
 * Credentials in the URL are sent as `Authorization: Basic` and appear nowhere else: not in a message, a log
 * line, an answer or a span.
 * @throws {TypeError} for a URL that does not parse, a method or header `fetch` refuses, or a wrong option
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): CheckFunction {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    // Never the URL itself: it may hold a password.
    throw argumentError('httpCheck()', 'url', 'an absolute http(s) URL', NOT_SHOWN);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw argumentError('httpCheck()', 'url', 'an absolute http(s) URL', target.protocol);
  if (BAD_PORTS.has(Number(target.port)))
    throw argumentError(
      'httpCheck()',
      'url',
      'on a port fetch can reach (the Fetch standard blocks it)',
      Number(target.port),
    );
  knownOptions(options, ['method', 'expect', 'headers', 'expectBody', 'maxBodyBytes'], 'httpCheck()');
  const { method = 'GET', expect = '2xx', headers: given = {}, expectBody, maxBodyBytes = 65_536 } = options;
  if (
    expectBody !== undefined &&
    typeof expectBody !== 'string' &&
    !(expectBody instanceof RegExp) &&
    typeof expectBody !== 'function'
  )
    throw argumentError('httpCheck()', 'expectBody', 'a string, a RegExp or a function of the body', expectBody);
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw argumentError('httpCheck()', 'maxBodyBytes', 'a whole number of bytes from 1', maxBodyBytes);
  if (typeof method !== 'string') throw argumentError('httpCheck()', 'method', 'an HTTP method', method);
  let headers: Headers;
  try {
    headers = new Headers(given as Record<string, string>);
  } catch {
    throw argumentError(
      'httpCheck()',
      'headers',
      'an object of valid header names to values without CR, LF or NUL',
      NOT_SHOWN,
    );
  }
  if (target.username !== '' || target.password !== '') {
    if (headers.has('authorization'))
      throw argumentError('httpCheck()', 'url', 'without credentials when `headers` has an Authorization', NOT_SHOWN);
    // fetch refuses such a URL, and its error would quote it, password and all: send them as Basic instead.
    const credentials = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    headers.set('Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    target.username = '';
    target.password = '';
  }
  try {
    // What fetch would refuse later (CONNECT, TRACE, a method with a space) is refused now.
    void new Request(target, { method });
  } catch {
    throw argumentError('httpCheck()', 'method', 'an HTTP method fetch can send', method);
  }
  const passes = expected(expect);
  return async (signal) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(target, { method, headers, signal, redirect: 'manual' });
    } catch (error) {
      // The deadline's own message stands; anything else is said by its cause, not as `fetch failed`.
      throw signal.aborted ? error : new Error(causeOf(error));
    }
    const statusPasses = passes(response.status);
    // The body is read only to judge it, and only so far: never waited for past maxBodyBytes.
    const body = statusPasses && expectBody !== undefined ? await readUpTo(response, maxBodyBytes) : undefined;
    await response.body?.cancel().catch(() => undefined);
    const message = `HTTP ${response.status} in ${Math.round(performance.now() - started)} ms`;
    if (!statusPasses) throw new Error(`${message}, expected ${describe(expect)}`);
    if (body !== undefined && expectBody !== undefined) {
      const problem = judgeBody(expectBody, body.text);
      if (problem !== undefined)
        throw new Error(`${message}, ${problem}${body.cut ? ` (judged on its first ${maxBodyBytes} bytes)` : ''}`);
    }
    return message;
  };
}

/** The body's first `max` bytes as text, and whether there was more. */
async function readUpTo(response: Response, max: number): Promise<{ text: string; cut: boolean }> {
  const reader = response.body?.getReader();
  if (reader === undefined) return { text: '', cut: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - size;
    chunks.push(value.length > room ? value.subarray(0, room) : value);
    size += Math.min(value.length, room);
    // Full: read no further (a body of exactly `max` bytes is said to be cut too; finding out would wait).
    if (size >= max) {
      cut = true;
      break;
    }
  }
  // Whatever is left is not read.
  await reader.cancel().catch(() => undefined);
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), cut };
}

/** Why the body does not pass, or `undefined` when it does; the body itself is never quoted (it may hold anything). */
function judgeBody(expectBody: ExpectedBody, body: string): string | undefined {
  if (typeof expectBody === 'string')
    return body.includes(expectBody) ? undefined : `the body does not contain ${shown(expectBody)}`;
  if (expectBody instanceof RegExp) {
    // A global or sticky pattern keeps its lastIndex between runs: judge each body from its start.
    expectBody.lastIndex = 0;
    return expectBody.test(body) ? undefined : `the body does not match ${shown(String(expectBody))}`;
  }
  try {
    return expectBody(body) === true ? undefined : 'the body predicate refused it';
  } catch (error) {
    return `the body predicate threw: ${messageOf(error)}`;
  }
}

/** What made `fetch` fail, as the cause says it: `connect ECONNREFUSED 127.0.0.1:5000`, `ENOTFOUND`, a TLS code. */
function causeOf(error: unknown): string {
  let cause = (error as { cause?: unknown } | null)?.cause ?? error;
  // Several addresses tried (happy eyeballs): the first one's failure.
  const { errors } = cause as { errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) cause = errors[0];
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  // OpenSSL writes `80BC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…`: the reason is enough.
  const reason =
    typeof message === 'string' ? /^[0-9A-F]+:error:[^:]*:[^:]*:[^:]*:([^:]+)/.exec(message)?.[1] : undefined;
  const text = reason ?? (typeof message === 'string' ? message : messageOf(cause));
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
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
  throw argumentError(
    'httpCheck()',
    'expect',
    "a status, a list of statuses, a class such as '2xx', or a function",
    expect,
  );
}

function describe(expect: ExpectedStatus): string {
  if (typeof expect === 'function') return 'a status the predicate accepts';
  return Array.isArray(expect) ? (expect as readonly number[]).join(' or ') : String(expect);
}
