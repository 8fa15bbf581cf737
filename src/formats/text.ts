import type { Answer } from './report.js';

/** The text media type with its charset, as every text answer is sent. */
export const TEXT = 'text/plain; charset=utf-8';

/** The bare words: `OK` (for WARN too, so load balancers matching the string keep working), `MAINTENANCE`, `ERROR`. */
export function textBody({ state }: Answer): string {
  return state === 'WARN' ? 'OK' : state;
}
