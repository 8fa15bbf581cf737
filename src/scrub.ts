/** What a masked value becomes. */
export const MASK = '********';

/** Key fragments whose values are never shown (case-insensitive). */
export const SECRET_KEY_PATTERNS: readonly string[] = Object.freeze([
  'key', 'token', 'pass', 'pwd', 'secret', 'auth', 'credential', 'private', 'session', 'cookie', 'signature',
]);

/** Decides what a value under `key` is shown as; `key` is `''` for array items and the top. */
export type ScrubFunction = (key: string, value: unknown) => unknown;

// `scheme://user:password@host`: keep the shape, hide the password.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;
// `--db-password=x` or `API_TOKEN=x` inside a string (argv, command lines).
const ASSIGNMENT = /^(-{0,2}[\w.-]+)=(.*)$/s;
const MAX_DEPTH = 32;

/**
 * The default rule: a value whose key matches a pattern is masked whole; a string loses the passwords of
 * the URLs in it and the values of `name=value` assignments whose name matches.
 */
export function keyScrubber(extra: readonly (string | RegExp)[] = []): ScrubFunction {
  const patterns = [...SECRET_KEY_PATTERNS.map((fragment) => new RegExp(escape(fragment), 'i')), ...extra.map(toRegExp)];
  const secretKey = (key: string): boolean => key !== '' && patterns.some((pattern) => pattern.test(key));
  return (key, value) => {
    if (secretKey(key)) return MASK;
    if (typeof value !== 'string') return value;
    const assignment = ASSIGNMENT.exec(value);
    if (assignment && secretKey(assignment[1]!)) return `${assignment[1]}=${MASK}`;
    return value.replace(URL_PASSWORD, `$1${MASK}@`);
  };
}

/**
 * A JSON-safe copy of `value` with `scrub` applied to every key and value, nested objects and arrays
 * included. What JSON cannot hold becomes a marker: `[Function]`, `[Symbol]`, `[Circular]`, `[BigInt]`.
 */
export function sanitize(value: unknown, scrub: ScrubFunction): unknown {
  return visit('', value, scrub, new Set(), 0);
}

function visit(key: string, raw: unknown, scrub: ScrubFunction, ancestors: Set<object>, depth: number): unknown {
  const value = scrub(key, raw);
  switch (typeof value) {
    case 'function': return '[Function]';
    case 'symbol': return '[Symbol]';
    case 'bigint': return '[BigInt]';
    case 'number': return Number.isFinite(value) ? value : String(value);
    case 'object': break;
    default: return value;
  }
  if (value === null) return null;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: scrub('message', value.message) };
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} of ${value.byteLength} bytes]`;
  ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return Array.from(value as Iterable<unknown>, (item) => visit('', item, scrub, ancestors, depth + 1));
    }
    const entries = value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : ownEntries(value);
    const copy: Record<string, unknown> = {};
    for (const [name, item] of entries) {
      const safe = visit(name, item, scrub, ancestors, depth + 1);
      if (safe !== undefined) copy[name] = safe;
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

/** Own enumerable properties; a getter that throws is shown as a marker rather than failing the dump. */
function ownEntries(value: object): Array<readonly [string, unknown]> {
  return Object.keys(value).map((name) => {
    try {
      return [name, (value as Record<string, unknown>)[name]] as const;
    } catch {
      return [name, '[Unreadable]'] as const;
    }
  });
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace('g', ''));
  if (typeof pattern === 'string' && pattern !== '') return new RegExp(escape(pattern), 'i');
  throw new TypeError('option "scrub" patterns must be non-empty strings or RegExps');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
