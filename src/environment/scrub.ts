import { jsonSafe, optionError, type ScrubFunction } from '../core/index.js';

export type { ScrubFunction } from '../core/index.js';

/** What a masked value becomes. */
export const MASK = '********';

/** Key fragments whose values are never shown (case-insensitive). */
export const SECRET_KEY_PATTERNS: readonly string[] = Object.freeze([
  'key',
  'token',
  'pass',
  'pwd',
  'secret',
  'auth',
  'credential',
  'private',
  'session',
  'cookie',
  'signature',
  'webhook',
]);

/** The built-in rule, which also sees an array's items in pairs, for `['--db-password', 'value']`. */
interface KeyScrubber extends ScrubFunction {
  /** Whether a string is a flag with a secret name, whose value is the next argv word. */
  secretFlag(item: string): boolean;
}

// `scheme://user:password@host`: keep the shape, hide the password, up to the last `@` before the path (a raw
// `@` in a password is taken up to there by Node's URL parser too).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s/?#]+)@/gi;
// A Sentry DSN's key is its user: `https://<32 hex>@o1.ingest.sentry.io/1`.
const DSN_KEY = /(\b[a-z][a-z0-9+.-]*:\/\/)[0-9a-f]{32}(?=[:@])/gi;
// Tokens whose shape says what they are, wherever they stand: GitHub, GitLab, npm, Stripe, Slack (tokens and
// incoming webhooks), Google API
// and AWS access keys, JWTs, and PEM private keys.
const TOKEN_SHAPES = new RegExp(
  [
    '\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})',
    '\\bglpat-[A-Za-z0-9_-]{20,}',
    '\\bnpm_[A-Za-z0-9]{36,}',
    '\\b[rs]k_(?:live|test)_[A-Za-z0-9]{10,}',
    '\\bxox[abposr]-[A-Za-z0-9-]{10,}',
    // A Slack incoming webhook holds its token in its path.
    '\\bhooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+',
    '\\bAIza[0-9A-Za-z_-]{35}',
    '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b',
    '\\beyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*',
    '-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----',
  ].join('|'),
  'g',
);
// `Authorization: Bearer x` or `Basic x` written into a string: the scheme stays, the credentials go.
// A plain word after it ("Basic authentication") is prose, not credentials: a token has a digit or a sign.
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/-]{8,}=*/g;
// A string that holds JSON (`NODE_CONFIG`, `VCAP_SERVICES`) is scrubbed by the key rules inside it; up to this long.
const MAX_JSON_STRING = 1_000_000;
// `?access_token=x` or `&password=x` in a URL's query string.
const QUERY_PARAMETER = /([?&;])([^=&;#\s]+)=([^&;#\s]*)/g;
// `--db-password=x`, `API_TOKEN=x`, or `--db-password x` in a command line.
const ASSIGNMENT = /(^|\s)(-{0,2}[A-Za-z_][\w.-]*)(=|\s+(?=[^-\s]))(\S*)/g;
const FLAG = /^-{1,2}[A-Za-z_][\w.-]*$/;

/**
 * The default rule: a value whose key matches a pattern is masked whole; a string loses the passwords of
 * the URLs in it, the values of query parameters and `name=value` or `--name value` assignments whose
 * name matches; in an array, the word after a flag whose name matches (argv) is masked.
 */
export function keyScrubber(extra: readonly (string | RegExp)[] = []): KeyScrubber {
  const patterns = [
    ...SECRET_KEY_PATTERNS.map((fragment) => new RegExp(escapeRegExp(fragment), 'i')),
    ...extra.map(toRegExp),
  ];
  const secretKey = (key: string): boolean => key !== '' && patterns.some((pattern) => pattern.test(key));
  const rule = (key: string, value: unknown): unknown => {
    if (secretKey(key)) return MASK;
    if (typeof value !== 'string') return value;
    const json = heldJson(value);
    if (json !== undefined) return JSON.stringify(sanitize(json, scrubber));
    return value
      .replace(TOKEN_SHAPES, MASK)
      .replace(AUTH_SCHEME, `$1 ${MASK}`)
      .replace(DSN_KEY, `$1${MASK}`)
      .replace(URL_PASSWORD, `$1${MASK}@`)
      .replace(QUERY_PARAMETER, (whole, separator: string, name: string) =>
        secretKey(decoded(name)) ? `${separator}${name}=${MASK}` : whole,
      )
      .replace(ASSIGNMENT, (whole, before: string, name: string, between: string, secret: string) =>
        // A flag followed by a word is only an assignment when the flag has dashes: `--password x`, not `password x`.
        secretKey(name) && secret !== '' && (between === '=' || name.startsWith('-'))
          ? `${before}${name}${between}${MASK}`
          : whole,
      );
  };
  const scrubber: KeyScrubber = Object.assign(rule, {
    secretFlag: (item: string) => FLAG.test(item) && secretKey(item),
  });
  return scrubber;
}

/** The object or array a string holds as JSON, if it does. */
function heldJson(value: string): object | undefined {
  const start = value.trimStart()[0];
  if ((start !== '{' && start !== '[') || value.length > MAX_JSON_STRING) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JSON-safe copy of `value` with `scrub` applied to every key and value (see `jsonSafe`); with the
 * built-in rule, an argv word after a secret flag is masked too.
 */
export function sanitize(value: unknown, scrub: ScrubFunction): unknown {
  const secretFlag = (scrub as Partial<KeyScrubber>).secretFlag;
  if (secretFlag === undefined) return jsonSafe(value, scrub);
  return jsonSafe(value, (key, item) => {
    const shown = scrub(key, item);
    return Array.isArray(shown) ? maskFlagValues(shown, secretFlag) : shown;
  });
}

function maskFlagValues(items: readonly unknown[], secretFlag: (item: string) => boolean): unknown[] {
  return items.map((item, index) => {
    const previous = items[index - 1];
    return typeof previous === 'string' && typeof item === 'string' && secretFlag(previous) ? MASK : item;
  });
}

function decoded(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace('g', ''));
  if (typeof pattern === 'string' && pattern !== '') return new RegExp(escapeRegExp(pattern), 'i');
  throw optionError('environment()', 'scrub', 'a list of non-empty strings or RegExps', pattern);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
