import {
  type CheckList,
  knownOptions,
  optionError,
  Selection,
  type ServiceInfo,
  validHeaderSet,
} from '../core/index.js';
import type { AnswerStatus } from '../formats/index.js';

/** `health()`'s own option checks, in the one message form of `core/validate.ts`. */

/** Extra response headers by state. */
export type StateHeaders = Partial<Record<AnswerStatus, Readonly<Record<string, string>>>>;

const STATES: readonly AnswerStatus[] = [
  'OK',
  'WARN',
  'ERROR',
  'MAINTENANCE',
  'STARTING',
  'STARTUP_FAILED',
  'SHUTTING_DOWN',
  'REFUSING',
  'BROKEN',
];

/** A list of checks, as `?checks=` takes it, parsed once. */
export function validSelection(value: unknown, where: string, option: string): Selection {
  const valid = typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  try {
    const selection = valid ? Selection.parse(value as CheckList) : undefined;
    if (selection !== undefined) return selection;
  } catch {
    // A malformed name: said below.
  }
  throw optionError(where, option, "checks named as ?checks= names them ('_defaults', '@ready', 'db,cache')", value);
}

/** An HTTP status code. */
export function validCode(value: unknown, where: string, option: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 999) {
    throw optionError(where, option, 'an HTTP status code from 100 to 999', value);
  }
  return value;
}

/** A path starting with `/`, kept without a trailing slash. */
export function validPath(value: unknown, where: string, option = 'path'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw optionError(where, option, 'a path starting with "/", without ? # or spaces', value);
  }
  // `/health/` and `/health` are the same endpoint; keep the form without the slash.
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

/** A file path, or `false`. */
export function validFile(value: unknown, where: string, option: string): string | false {
  if (value === false) return false;
  if (typeof value !== 'string' || value === '') throw optionError(where, option, 'a file path or false', value);
  return value;
}

/** Extra headers by state: known states, valid header names to valid values (no CR or LF), checked now rather than as a 500 later. */
export function validHeaders(headers: unknown, where: string): StateHeaders {
  if (typeof headers !== 'object' || headers === null)
    throw optionError(where, 'headers', 'an object by state', headers);
  const valid: Record<string, Readonly<Record<string, string>>> = {};
  for (const [state, set] of Object.entries(headers)) {
    if (!STATES.includes(state as AnswerStatus))
      throw optionError(where, 'headers', `keyed by ${STATES.join(', ')}`, state);
    valid[state] = validHeaderSet(set, where, `headers.${state}`);
  }
  return valid;
}

/** A whole number from 0 to `max`: how many entries a bounded buffer keeps. */
export function validCount(value: unknown, where: string, option: string, max = 10_000): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw optionError(where, option, `a whole number from 0 to ${max}`, value);
  }
  return value;
}

const SERVICE_FIELDS = ['version', 'releaseId', 'serviceId', 'description'] as const;

/** The service's metadata when none is given: its version where npm set `npm_package_version`. */
export function defaultService(): ServiceInfo {
  const version = process.env.npm_package_version;
  return Object.freeze(version ? { version } : {});
}

/** `service`: strings of at most 200 characters, on one line, under the draft's four names. */
export function validService(value: unknown, where: string): ServiceInfo {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(where, 'service', '{ version, releaseId, serviceId, description }', value);
  knownOptions(value, SERVICE_FIELDS, `${where} \`service\``);
  const valid: Record<string, string> = {};
  for (const field of SERVICE_FIELDS) {
    const text = (value as Record<string, unknown>)[field];
    if (text === undefined) continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
    if (typeof text !== 'string' || text.length > 200 || /[\u0000-\u001f\u007f\u2028\u2029]/.test(text))
      throw optionError(where, `service.${field}`, 'a string of at most 200 characters on one line', text);
    valid[field] = text;
  }
  return Object.freeze(valid);
}
