/** Turning values from outside (checks, clients, options) into what JSON and log lines can always hold. */

/** Decides what a value under `key` is shown as; `key` is `''` for array items and the top. */
export type ScrubFunction = (key: string, value: unknown) => unknown;

const MAX_DEPTH = 32;
const MAX_MESSAGE = 500;
const keep: ScrubFunction = (_key, value) => value;

/**
 * A JSON-safe copy of `value`, with `scrub` applied to every key and value, nested objects and arrays
 * included. What JSON cannot hold becomes a marker: `[Function]`, `[Symbol]`, `[Circular]`, `[BigInt]`,
 * `[Unreadable]` for a getter or proxy that throws. Never throws.
 */
export function jsonSafe(value: unknown, scrub: ScrubFunction = keep): unknown {
  return visit('', value, scrub, new Set(), 0);
}

/**
 * A short, readable message for anything thrown or handed over as a message: an Error's message, a
 * plain object's `message` property, else a short JSON rendering; never `[object Object]`, never throws.
 */
export function messageOf(error: unknown): string {
  try {
    if (typeof error === 'string') return error;
    if (typeof error !== 'object' || error === null)
      return typeof error === 'symbol' ? error.toString() : String(error);
    const { message } = error as { message?: unknown };
    if (typeof message === 'string' && message !== '') return message;
    if (error instanceof Error) return error.name || 'Error';
    return clip(JSON.stringify(jsonSafe(error)) ?? 'unreadable value');
  } catch {
    return 'unreadable value';
  }
}

/** Text safe for one log line: control characters (newlines, ANSI escapes) written as escapes, so no line can be forged. */
export function logText(value: unknown): string {
  const text = typeof value === 'string' ? value : messageOf(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes.
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

function visit(key: string, raw: unknown, scrub: ScrubFunction, ancestors: Set<object>, depth: number): unknown {
  try {
    const value = scrub(key, raw);
    switch (typeof value) {
      case 'function':
        return '[Function]';
      case 'symbol':
        return '[Symbol]';
      case 'bigint':
        return '[BigInt]';
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null) return null;
    if (ancestors.has(value)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Too deep]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof Error) return { name: value.name, message: scrub('message', messageOf(value)) };
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} of ${value.byteLength} bytes]`;
    ancestors.add(value);
    try {
      if (Array.isArray(value) || value instanceof Set) {
        return Array.from(value as Iterable<unknown>, (item) => visit('', item, scrub, ancestors, depth + 1));
      }
      const entries = value instanceof Map ? [...value].map(([k, v]) => [messageOf(k), v] as const) : ownEntries(value);
      // No prototype: a key such as `__proto__` stays a key like any other.
      const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [name, item] of entries) {
        const safe = visit(name, item, scrub, ancestors, depth + 1);
        if (safe !== undefined) copy[name] = safe;
      }
      return copy;
    } finally {
      ancestors.delete(value);
    }
  } catch {
    return '[Unreadable]';
  }
}

/** Own enumerable properties; a getter that throws is shown as a marker rather than failing the whole copy. */
function ownEntries(value: object): Array<readonly [string, unknown]> {
  return Object.keys(value).map((name) => {
    try {
      return [name, (value as Record<string, unknown>)[name]] as const;
    } catch {
      return [name, '[Unreadable]'] as const;
    }
  });
}
