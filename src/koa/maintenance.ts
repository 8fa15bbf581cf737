import { statSync } from 'node:fs';
import type { Logger } from '../core/index.js';

/**
 * Whether the disable file exists. Looked up on every call, so `touch` and `rm` take effect at once;
 * follows symlinks. One `stat` and no exception built when the file is absent.
 */
export function inMaintenance(disableFile: string): boolean {
  try {
    return statSync(disableFile, { throwIfNoEntry: false }) !== undefined;
  } catch {
    // An unreadable path (ENOTDIR, EACCES) cannot be a disable file someone touched.
    return false;
  }
}

/** Whether an instance is in maintenance, asked on every request; logs only when maintenance begins or ends. */
export class MaintenanceWatch {
  readonly #file: string | false;
  readonly #logger: Logger;
  #active = false;
  /** When the current maintenance began, ms since the epoch; `undefined` when not in maintenance. */
  since: number | undefined;

  constructor(file: string | false, logger: Logger) {
    this.#file = file;
    this.#logger = logger;
  }

  /** Looks for the disable file now. */
  active(): boolean {
    const now = this.#file !== false && inMaintenance(this.#file);
    if (now !== this.#active) {
      this.#logger.info(now ? 'Health response: MAINTENANCE' : 'Health response: maintenance is over');
      this.since = now ? Date.now() : undefined;
    }
    this.#active = now;
    return now;
  }
}
