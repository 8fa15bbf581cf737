import type { Context } from 'koa';
import type { RunResult } from '../core/index.js';

/**
 * What an answer says overall: a run's status, `'MAINTENANCE'` while the disable file exists, and for the
 * probes `'STARTING'` until the startup checks have passed and `'SHUTTING_DOWN'` while draining.
 */
export type AnswerStatus = 'OK' | 'WARN' | 'ERROR' | 'MAINTENANCE' | 'STARTING' | 'SHUTTING_DOWN';

/** Everything a format needs to write an answer. */
export interface Answer {
  /** The overall state. */
  readonly state: AnswerStatus;
  /** The HTTP status the answer goes out with. */
  readonly statusCode: number;
  /** The run behind the answer; `undefined` when no checks ran (bare request, maintenance). */
  readonly result: RunResult | undefined;
  /** Whether the caller may see each check's details; without, only the overall state is shown. */
  readonly details: boolean;
  /** The check names known from the last run, sorted; `undefined` when the caller may not see details. */
  readonly available: readonly string[] | undefined;
}

/** The built-in formats, by `?format=` name. */
export type FormatName = 'text' | 'json' | 'health+json';

/** Writes an answer's body: a string goes out as text, an object as JSON (set `ctx.type` to change that). */
export type CustomFormat = (report: Answer, ctx: Context) => unknown;
