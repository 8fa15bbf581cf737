#!/usr/bin/env node
/**
 * `koa-health-probe`: a HEALTHCHECK for images without curl. One request, one line out, exit 0 for an
 * expected status and 1 for anything else (never 2, which Docker reserves; never a stack trace).
 * Node's own modules only, and nothing of koa-health's middleware: it starts as fast as Node does.
 * @module
 */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';

const USAGE =
  'usage: koa-health-probe [URL | --ready] [--timeout 2s] [--expect 2xx] [--header "Name: value"] [--fail-on-maintenance] [--quiet]';
const HELP = `${USAGE}

  URL                    default: $HEALTH_URL, else http://127.0.0.1:$PORT/health/live ($PORT default 3000):
                         liveness, so that an orchestrator restarting on a failed HEALTHCHECK (Docker, ECS,
                         Swarm, autoheal) does not restart every container when a dependency is down
  --ready                probe http://127.0.0.1:$PORT/health/ready instead (for a load balancer's view)
  --timeout 500ms|2s|1m  the whole probe, from connect to the last byte, within this (default 2s)
  --expect 2xx|200,204   the statuses that pass (default 2xx)
  --header "Name: value" an extra request header (repeatable)
  --fail-on-maintenance  299 MAINTENANCE fails (by default it passes)
  --quiet                print nothing
  The secret, if any, comes from $HEALTH_AUTH and is sent as Authorization: Bearer.
  Exit status: 0 for an expected status, 1 for anything else.`;
const MAX_OUTPUT = 4096;
// The body's first line, as the state: `OK`, `ERROR`, or a custom format's first words.
const MAX_STATE = 64;

interface Options {
  url: string;
  timeout: number;
  expect: (status: number) => boolean;
  expectText: string;
  headers: Record<string, string>;
  failOnMaintenance: boolean;
  quiet: boolean;
}

class UsageError extends Error {}

function parse(argv: readonly string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const local = (probe: 'live' | 'ready'): string => `http://127.0.0.1:${env.PORT || 3000}/health/${probe}`;
  const options: Options = {
    url: env.HEALTH_URL || local('live'),
    timeout: 2000,
    expect: (status) => status >= 200 && status < 300,
    expectText: '2xx',
    headers: {},
    failOnMaintenance: false,
    quiet: false,
  };
  let urlGiven = false;
  let ready = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--quiet' || arg === '-q') options.quiet = true;
    else if (arg === '--fail-on-maintenance') options.failOnMaintenance = true;
    else if (arg === '--ready') ready = true;
    else if (arg === '--timeout') options.timeout = duration(value());
    else if (arg === '--expect') [options.expect, options.expectText] = [expected(value()), argv[i]!];
    else if (arg === '--header') {
      const header = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*([^\r\n]*)$/.exec(value());
      if (!header) throw new UsageError(`bad --header: give "Name: value"`);
      options.headers[header[1]!] = header[2]!;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (urlGiven) throw new UsageError('one URL at most');
    else [options.url, urlGiven] = [arg, true];
  }
  if (ready && urlGiven) throw new UsageError('give a URL or --ready, not both');
  if (ready) options.url = env.HEALTH_URL || local('ready');
  if (env.HEALTH_AUTH) options.headers.Authorization = `Bearer ${env.HEALTH_AUTH}`;
  return options;
}

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'] : Number.NaN;
  if (!(ms > 0 && ms <= 2_147_483_647))
    throw new UsageError(`bad --timeout ${JSON.stringify(text)}: give 500ms, 2s or 1m`);
  return ms;
}

function expected(text: string): (status: number) => boolean {
  if (/^[1-5]xx$/.test(text)) return (status) => Math.floor(status / 100) === Number(text[0]);
  const statuses = text.split(',').map(Number);
  if (statuses.every((status) => Number.isInteger(status) && status >= 100 && status <= 999))
    return (status) => statuses.includes(status);
  throw new UsageError(`bad --expect ${JSON.stringify(text)}: give 2xx, or statuses such as 200,204`);
}

/**
 * One request: the status and the start of the body (never more than the output can hold). `timeout` bounds
 * all of it, from connect to the last byte: a status line or a body trickled a byte at a time, or `1xx`
 * answers that never end, fail it. A `101` or a connection closed without an answer is a failure too.
 */
function probe({ url, timeout, headers }: Options): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new UsageError(`bad URL ${JSON.stringify(url)}: http or https only`);
  const send = target.protocol === 'https:' ? requestTls : request;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { headers: { 'User-Agent': 'koa-health-probe', Accept: 'text/plain, */*', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (): void => {
          clearTimeout(timer);
          res.destroy();
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8'),
          });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // A body of megabytes is not read: the first 4 KB say all the line can.
          if (size >= MAX_OUTPUT) done();
        });
        res.on('end', done);
        res.on('error', reject);
        // The server closed before the body's end: what came is not an answer to trust.
        res.on('aborted', () => reject(new Error('connection closed before the answer ended')));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeout} ms`)), timeout);
    // Without a listener Node would drop a 101 silently, and the probe would exit 0 on no answer at all.
    req.on('upgrade', (res, socket) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new Error(
          `${res.statusCode ?? 101} ${res.statusMessage || 'Switching Protocols'}: an upgrade, not a health answer`,
        ),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ECONNRESET' && error.message === 'socket hang up'
          ? new Error('connection closed without an answer')
          : error,
      );
    });
    req.end();
  });
}

/** One line, without control characters, at most 4 KB with its newline. */
function line(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
  return clip(text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim(), MAX_OUTPUT - 1);
}

/** Text of at most `bytes` bytes: a longer one is cut at a word boundary (within a word only if it has none), with an ellipsis. */
function clip(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  // Room for the ellipsis (3 bytes); a character cut in two is dropped.
  let cut = Buffer.from(text)
    .subarray(0, bytes - 3)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const space = cut.lastIndexOf(' ');
  if (space > 0) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parse(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${line(`${(error as Error).message}; ${USAGE}`)}\n`);
    return 1;
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { quiet, expect, expectText, failOnMaintenance } = options;
  const started = performance.now();
  const say = (text: string): void => void (quiet || process.stdout.write(`${line(text)}\n`));
  try {
    const { status, body } = await probe(options);
    const ms = Math.round(performance.now() - started);
    const state = clip(body.split('\n')[0]?.trim() ?? '', MAX_STATE);
    const maintenance = status === 299;
    const ok = maintenance ? !failOnMaintenance : expect(status);
    say(`${status} ${state} ${ms} ms${ok ? '' : `: ${maintenance ? 'in maintenance' : `expected ${expectText}`}`}`);
    return ok ? 0 : 1;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason =
      error instanceof UsageError
        ? message
        : code === 'ECONNREFUSED'
          ? 'refused'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'host not found'
            : 'failed';
    say(`${reason}: ${message} (${Math.round(performance.now() - started)} ms)`);
    return 1;
  }
}

// Whatever happens, no verdict is a failure: a probe that ends without one must never exit 0.
process.exitCode = 1;
process.once('beforeExit', () => {
  if (!decided) process.stdout.write(`${line('failed: the probe ended without an answer')}\n`);
});
let decided = false;
main().then(
  (code) => {
    decided = true;
    process.exitCode = code;
  },
  () => {
    decided = true;
    process.exitCode = 1;
  },
);
