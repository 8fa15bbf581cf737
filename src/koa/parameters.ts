import type { Context, Middleware } from 'koa';
import { type CheckList, expires, RequestError, Selection, setBounded } from '../core/index.js';

/** Longest query string, and longest single body parameter, the endpoint reads. */
export const MAX_PARAMETER_LENGTH = 2048;

/** What a request asks of the endpoint. */
export interface HealthParameters {
  /** The checks asked for; `undefined` when none. */
  readonly selection: Selection | undefined;
  /** `format`, if given. */
  readonly format: string | undefined;
  /** `auth` as given, for the secret. */
  readonly auth: string | undefined;
  /** Whether `auth` came in the query string (a link must then keep it). */
  readonly authInQuery: boolean;
  /** The status page's `refresh`, in seconds from 5 to 3600; `undefined` when not asked. */
  readonly refresh: number | undefined;
}

/** The parameters one source (the query string, or a body) gives, each checked but not yet combined. */
export interface GivenParameters {
  readonly checks: CheckList | undefined;
  readonly exclude: CheckList | undefined;
  readonly format: string | undefined;
  readonly auth: string | undefined;
  readonly refresh: number | undefined;
}

const NONE: GivenParameters = Object.freeze({
  checks: undefined,
  exclude: undefined,
  format: undefined,
  auth: undefined,
  refresh: undefined,
});
// Probes repeat the same few query strings: each is parsed once. Bounded, as query strings are the client's.
const MAX_REMEMBERED = 128;

/**
 * The one rule for where a parameter comes from: the query string if it is given there, else the body
 * (for POST). So `?auth=` in the URL and `checks` in the body go together.
 * @throws {SelectionError} for a malformed name
 */
export function combine(query: GivenParameters, body: GivenParameters = NONE): HealthParameters {
  return Object.freeze({
    selection: Selection.parse(query.checks ?? body.checks, query.exclude ?? body.exclude),
    format: query.format ?? body.format,
    auth: query.auth ?? body.auth,
    authInQuery: query.auth !== undefined,
    refresh: query.refresh ?? body.refresh,
  });
}

/** A query string read: its parameters as given, and (parsed on first use) as they stand alone. */
export interface ReadQuery {
  readonly given: GivenParameters;
  /**
   * The parameters as they stand alone, the selection parsed; parsed once, then remembered.
   * @throws {SelectionError} for a malformed name
   */
  parameters(): HealthParameters;
}

/**
 * The one reader of query strings for the endpoint, the probes and the status page, remembering the few
 * that probes repeat: too long is `414`, a parameter given wrong is `400`.
 */
export class QueryReader {
  readonly #remembered = new Map<string, ReadQuery>();

  /**
   * The request's query parameters.
   * @throws {RequestError} for a query string too long, or a bad parameter
   */
  read(ctx: Context): ReadQuery {
    const querystring = checkedQuerystring(ctx);
    let read = this.#remembered.get(querystring);
    if (read === undefined) {
      // ctx.query is whatever the app's query parser made of it (koa-qs makes objects of `a[b]=c`): checked all the same.
      const given = querystring === '' ? NONE : givenParameters(ctx.query as Record<string, unknown>);
      let parameters: HealthParameters | undefined;
      read = { given, parameters: () => (parameters ??= combine(given)) };
      setBounded(this.#remembered, querystring, read, MAX_REMEMBERED);
    }
    return read;
  }
}

/**
 * The request's query string, if it is not too long to read: every answer of koa-health's reads it so.
 * @throws {RequestError} 414 for one longer than `MAX_PARAMETER_LENGTH`
 */
export function checkedQuerystring(ctx: Context): string {
  const { querystring } = ctx.request;
  if (querystring.length > MAX_PARAMETER_LENGTH) throw new RequestError(414, 'query string too long');
  return querystring;
}

/** The types of body the endpoint reads, as a 415 answer names them. */
const BODY_TYPES = 'application/json, application/x-www-form-urlencoded';

/**
 * The parameters of a form or JSON body: parsed by `parseBody`, unless the app's own parser has read it
 * already. Reading gets `ms` at most: a body that never ends is answered 408, not held open.
 * @throws {RequestError | SelectionError} for a body of another type (415), a malformed one, or a bad parameter
 */
export async function readBody(ctx: Context, parseBody: Middleware, ms: number): Promise<GivenParameters> {
  const { req } = ctx;
  const request = ctx.request as { body?: unknown };
  // The app's own parser made parameters of it (whatever the type, a multipart parser's fields too): take them.
  if (isObject(request.body) && Object.keys(request.body).length > 0) return givenParameters(request.body);
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return NONE;
  // An app parser that read the body and found nothing in it: nothing was asked.
  if (request.body !== undefined && req.readableDidRead) return NONE;
  if (!ctx.request.is('json', 'urlencoded')) throw new RequestError(415, `unsupported body type: send ${BODY_TYPES}`);
  // The app's parser ran first but left this type alone (it handles JSON only, say): read it ourselves.
  request.body = undefined;
  const parsing = parseBody(ctx, async () => {}).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (await expires(parsing, ms)) {
    // Nothing more will be read from this connection: close it once answered.
    ctx.res.setHeader('Connection', 'close');
    throw new RequestError(408, 'request body not received in time');
  }
  const error = await parsing;
  if (error !== undefined) {
    // Whatever the parser throws is about the body the client sent (bad JSON, bad gzip, too large).
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 413) throw new RequestError(413, 'request body too large');
    if (status === 415) throw new RequestError(415, 'unsupported body encoding');
    throw new RequestError(400, 'malformed request body');
  }
  if (!isObject(request.body)) throw new RequestError(400, 'the request body must be an object of parameters');
  return givenParameters(request.body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks each parameter a source gives; the others are ignored. */
function givenParameters(source: Record<string, unknown>): GivenParameters {
  return Object.freeze({
    checks: listParameter(source.checks, 'checks'),
    exclude: listParameter(source.exclude, 'exclude'),
    format: textParameter(source.format, 'format'),
    auth: textParameter(source.auth, 'auth'),
    refresh: refreshParameter(source.refresh),
  });
}

/** The status page's `refresh`: a number of seconds, held from 5 to 3600; anything else is as if not given. */
function refreshParameter(value: unknown): number | undefined {
  const seconds = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) ? Math.min(3600, Math.max(5, Math.round(seconds))) : undefined;
}

/** A parameter that takes one value: given twice, or not as text, is refused. */
export function textParameter(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError(400, `"${name}" must be given once, as text`);
  if (value.length > MAX_PARAMETER_LENGTH) throw new RequestError(400, `"${name}" is too long`);
  return value;
}

/**
 * A list parameter: text, repeated text, JSON's `true` or an array; also the object a form parser makes of
 * many repeats (`{ 0: 'a', 1: 'b', … }`, past qs's array limit). Anything else is a 400.
 */
export function listParameter(value: unknown, name: string): CheckList | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return String(value);
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : indexed(value);
  if (list === undefined || !list.every((item) => typeof item === 'string')) {
    throw new RequestError(400, `"${name}" must be a string or a list of strings`);
  }
  if (list.reduce((length: number, item: string) => length + item.length, 0) > MAX_PARAMETER_LENGTH) {
    throw new RequestError(400, `"${name}" is too long`);
  }
  return list as string[];
}

/** The values of an object whose keys are exactly 0, 1, 2, …, in that order; else `undefined`. */
function indexed(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((key, index) => key === String(index))) return undefined;
  return keys.map((key) => (value as Record<string, unknown>)[key]);
}
