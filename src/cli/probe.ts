#!/usr/bin/env node
/**
 * `koa-health-probe`: a HEALTHCHECK for images without curl. One request, one line out, exit 0 for an
 * expected status and 1 for anything else (never 2, which Docker reserves; never a stack trace).
 * Node's own modules only, and nothing of koa-health's middleware: it starts as fast as Node does.
 * @module
 */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';

const USAGE = 'usage: koa-health-probe [URL] [--timeout 2s] [--expect 2xx] [--header "Name: value"] [--fail-on-maintenance] [--quiet]';
const HELP = `${USAGE}

  URL                    default: $HEALTH_URL, else http://127.0.0.1:$PORT/health/ready ($PORT default 3000)
  --timeout 500ms|2s|1m  give up after this long (default 2s)
  --expect 2xx|200,204   the statuses that pass (default 2xx)
  --header "Name: value" an extra request header (repeatable)
  --fail-on-maintenance  299 MAINTENANCE fails (by default it passes)
  --quiet                print nothing
  The secret, if any, comes from $HEALTH_AUTH and is sent as Authorization: Bearer.
  Exit status: 0 for an expected status, 1 for anything else.`;
const MAX_OUTPUT = 4096;

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
  const options: Options = {
    url: env.HEALTH_URL || `http://127.0.0.1:${env.PORT || 3000}/health/ready`,
    timeout: 2000, expect: (status) => status >= 200 && status < 300, expectText: '2xx',
    headers: {}, failOnMaintenance: false, quiet: false,
  };
  let urlGiven = false;
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
  if (env.HEALTH_AUTH) options.headers.Authorization = `Bearer ${env.HEALTH_AUTH}`;
  return options;
}

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'] : Number.NaN;
  if (!(ms > 0 && ms <= 2_147_483_647)) throw new UsageError(`bad --timeout ${JSON.stringify(text)}: give 500ms, 2s or 1m`);
  return ms;
}

function expected(text: string): (status: number) => boolean {
  if (/^[1-5]xx$/.test(text)) return (status) => Math.floor(status / 100) === Number(text[0]);
  const statuses = text.split(',').map(Number);
  if (statuses.every((status) => Number.isInteger(status) && status >= 100 && status <= 999)) return (status) => statuses.includes(status);
  throw new UsageError(`bad --expect ${JSON.stringify(text)}: give 2xx, or statuses such as 200,204`);
}

/** One request: the status and the start of the body (never more than the output can hold). */
function probe({ url, timeout, headers }: Options): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new UsageError(`bad URL ${JSON.stringify(url)}: http or https only`);
  const send = target.protocol === 'https:' ? requestTls : request;
  return new Promise((resolve, reject) => {
    const req = send(target, { headers: { 'User-Agent': 'koa-health-probe', Accept: 'text/plain, */*', ...headers }, timeout }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8') });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // A body of megabytes is not read: the first 4 KB say all the line can.
        if (size >= MAX_OUTPUT) done();
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** One line, without control characters, at most 4 KB. */
function line(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_OUTPUT - 1 ? `${flat.slice(0, MAX_OUTPUT - 2)}…` : flat;
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
    const state = body.split('\n')[0]?.trim().slice(0, 64) || '';
    const maintenance = status === 299;
    const ok = maintenance ? !failOnMaintenance : expect(status);
    say(`${status} ${state} ${ms} ms${ok ? '' : `: ${maintenance ? 'in maintenance' : `expected ${expectText}`}`}`);
    return ok ? 0 : 1;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = error instanceof UsageError ? message : code === 'ECONNREFUSED' ? 'refused' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found' : 'failed';
    say(`${reason}: ${message} (${Math.round(performance.now() - started)} ms)`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
}, () => {
  process.exitCode = 1;
});
