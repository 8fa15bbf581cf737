/**
 * The answer formats: negotiation (`?format=`, then `Accept`), and one file per format: text
 * (the bare words load balancers match), json (a component per check) and health+json (the IETF draft).
 * A new format is a file here and a row in `FORMATS`.
 * @module
 */
import type { Context } from 'koa';
import { healthJsonBody } from './health-json.js';
import { jsonBody } from './json.js';
import type { Answer, FormatName } from './report.js';
import { TEXT, textBody } from './text.js';

export type { Answer, AnswerStatus, CustomFormat, FormatName } from './report.js';
export { healthJsonBody, jsonBody, TEXT, textBody };

/** A built-in format: its media type, the `Content-Type` it is sent with, and how it writes a body. */
interface Format {
  readonly mediaType: string;
  readonly contentType: string;
  body(report: Answer): unknown;
}

/** The built-in formats by name, in order of preference when the client has none. */
export const FORMATS: Readonly<Record<FormatName, Format>> = Object.freeze({
  text: { mediaType: 'text/plain', contentType: TEXT, body: textBody },
  json: { mediaType: 'application/json', contentType: 'application/json; charset=utf-8', body: jsonBody },
  'health+json': {
    mediaType: 'application/health+json',
    contentType: 'application/health+json; charset=utf-8',
    body: healthJsonBody,
  },
});

const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];
const MEDIA_LIST = FORMAT_NAMES.map((name) => FORMATS[name].mediaType);

/** Media types of the built-in formats, in order of preference when the client has none. */
export const MEDIA_TYPES: Readonly<Record<FormatName, string>> = Object.freeze(
  Object.fromEntries(FORMAT_NAMES.map((name) => [name, FORMATS[name].mediaType])) as Record<FormatName, string>,
);

/** What a request can ask for: a built-in format, or the status page (`html`). */
export type Negotiated = FormatName | 'html';

const NEGOTIABLE: readonly string[] = [...MEDIA_LIST, 'text/html'];

/**
 * The format a request asks for: `?format=` first, then `Accept` (a browser's prefers `text/html`: the
 * status page); `undefined` when none fits (406). A missing or `*\/*` Accept costs no parsing.
 */
export function negotiate(ctx: Context, formatParameter: string | undefined): Negotiated | undefined {
  if (formatParameter !== undefined) {
    // `?format=health+json` written literally arrives as `health json`: a `+` in a query string is a space.
    const name = formatParameter === 'health json' ? 'health+json' : formatParameter;
    return name === 'html' || FORMAT_NAMES.includes(name as FormatName) ? (name as Negotiated) : undefined;
  }
  const { accept } = ctx.req.headers;
  if (accept === undefined || accept === '*/*' || accept === '') return 'text';
  const type = ctx.accepts(NEGOTIABLE as string[]);
  if (type === 'text/html') return 'html';
  return type === false ? undefined : FORMAT_NAMES[MEDIA_LIST.indexOf(type as string)];
}
