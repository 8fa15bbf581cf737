import type { Context, Middleware } from 'koa';
import { setBounded } from './bounded.js';
import { Selection, type CheckList } from './selection.js';

/** Longest query string, and longest single body parameter, the endpoint reads. */
export const MAX_PARAMETER_LENGTH = 2048;

/** A request the endpoint cannot answer as asked: a 4xx with a short message. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What a request asks of the endpoint. */
export interface HealthParameters {
  /** The checks asked for; `undefined` when none. */
  readonly selection: Selection | undefined;
  /** `?format=`, if given. */
  readonly format: string | undefined;
  /** `auth` as given (query or body), for the secret. */
  readonly auth: string | undefined;
  /** Whether `checks` was in the query string (else a POST body may carry it). */
  readonly checksInQuery: boolean;
}

const NOTHING: HealthParameters = Object.freeze({ selection: undefined, format: undefined, auth: undefined, checksInQuery: false });
// Probes repeat the same few query strings: each is parsed once. Bounded, as query strings are the client's.
const MAX_REMEMBERED = 128;

/** Reads query strings, remembering the few that probes repeat. */
export class QueryReader {
  readonly #remembered = new Map<string, HealthParameters>();

  /** @throws {RequestError | SelectionError} for a bad parameter */
  read(ctx: Context, querystring: string): HealthParameters {
    if (querystring === '') return NOTHING;
    let parameters = this.#remembered.get(querystring);
    if (parameters === undefined) {
      const { query } = ctx;
      parameters = Object.freeze({
        selection: Selection.parse(query.checks, query.exclude),
        format: single(query.format, 'format'),
        auth: single(query.auth, 'auth'),
        checksInQuery: query.checks !== undefined,
      });
      setBounded(this.#remembered, querystring, parameters, MAX_REMEMBERED);
    }
    return parameters;
  }
}

/**
 * `checks`, `exclude` and `auth` of a form or JSON body, parsed by `parseBody` unless the app parsed it already.
 * @throws {RequestError | SelectionError} for a malformed body or parameter
 */
export async function readBody(ctx: Context, parseBody: Middleware): Promise<HealthParameters> {
  try {
    await parseBody(ctx, async () => {});
  } catch (error) {
    // Whatever the parser throws is about the body the client sent (bad JSON, bad gzip, too large).
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 413) throw new RequestError(413, 'request body too large');
    if (status === 415) throw new RequestError(415, 'unsupported body encoding');
    throw new RequestError(400, 'malformed request body');
  }
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null) return NOTHING;
  const { checks, exclude, auth } = body as Record<string, unknown>;
  return {
    selection: Selection.parse(checkList(checks, 'checks'), checkList(exclude, 'exclude')),
    format: undefined,
    auth: single(auth, 'auth'),
    checksInQuery: false,
  };
}

/** A parameter that takes one value: given twice, or not as text, is refused. */
function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError(400, `"${name}" must be given once, as text`);
  if (value.length > MAX_PARAMETER_LENGTH) throw new RequestError(400, `"${name}" is too long`);
  return value;
}

/** A body's value as a check list: JSON may say `true` or give an array. */
function checkList(value: unknown, name: string): CheckList | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return String(value);
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new RequestError(400, `"${name}" must be a string or a list of strings`);
  }
  if (list.reduce((length: number, item: string) => length + item.length, 0) > MAX_PARAMETER_LENGTH) {
    throw new RequestError(400, `"${name}" is too long`);
  }
  return list as string[];
}
