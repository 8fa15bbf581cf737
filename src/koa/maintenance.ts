import { lstatSync, type Stats, statSync } from 'node:fs';
import { type Logger, logText } from '../core/index.js';

/** What stands at the disable file's path: nothing, a file of this process's user or root, or someone else's. */
type DisableFile = 'absent' | 'present' | { readonly foreignOwner: number };

// This process's user; `undefined` where there are no uids (Windows): every file counts there.
const OWN_UID = process.getuid?.();

/**
 * Looks at the disable file: one `lstat` (and a `stat` for a symlink), and no exception built when it is
 * absent. Only a file, and a link, owned by this process's user or by root counts: any local user can
 * write `/tmp`, and must not be able to take the instance out of rotation.
 */
function lookAt(disableFile: string): DisableFile {
  try {
    const link = lstatSync(disableFile, { throwIfNoEntry: false });
    if (link === undefined) return 'absent';
    // A symlink is followed, but its owner must be trusted too: else anyone could point one at a root file.
    const target: Stats | undefined = link.isSymbolicLink() ? statSync(disableFile, { throwIfNoEntry: false }) : link;
    if (target === undefined) return 'absent';
    const owner = [link.uid, target.uid].find((uid) => !trusted(uid));
    return owner === undefined ? 'present' : { foreignOwner: owner };
  } catch {
    // An unreadable path (ENOTDIR, EACCES) cannot be a disable file someone touched.
    return 'absent';
  }
}

function trusted(uid: number): boolean {
  return OWN_UID === undefined || uid === OWN_UID || uid === 0;
}

/** Whether an instance is in maintenance, asked on every request; logs only when maintenance begins or ends. */
export class MaintenanceWatch {
  readonly #file: string | false;
  readonly #logger: Logger;
  #active = false;
  #ignoring: number | undefined;
  /** When the current maintenance began, ms since the epoch; `undefined` when not in maintenance. */
  since: number | undefined;

  constructor(file: string | false, logger: Logger) {
    this.#file = file;
    this.#logger = logger;
  }

  /** Looks for the disable file now. */
  active(): boolean {
    const found = this.#file === false ? 'absent' : lookAt(this.#file);
    const foreign = typeof found === 'object' ? found.foreignOwner : undefined;
    if (foreign !== this.#ignoring) {
      // Said once when such a file appears (or changes owner), not on every request.
      if (foreign !== undefined) {
        const file = logText(this.#file);
        this.#logger.warn(
          `koa-health: ignoring the disable file ${file}: owned by uid ${foreign}, not by this process's user or root`,
        );
      }
      this.#ignoring = foreign;
    }
    const now = found === 'present';
    if (now !== this.#active) {
      this.#logger.info(now ? 'Health response: MAINTENANCE' : 'Health response: maintenance is over');
      this.since = now ? Date.now() : undefined;
    }
    this.#active = now;
    return now;
  }
}
