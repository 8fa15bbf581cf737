import type { CheckChange, HealthResult } from './result.js';
import { type CheckStatus, passes } from './status.js';

/** What the engine knows of one check, across runs: for people (the status page), not for probes. */
export interface CheckState {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** Ms the last run of it took. */
  readonly duration: number;
  /** When it last ran, ms since the epoch. */
  readonly lastChecked: number;
  /** Since when it has been in this status. */
  readonly since: number;
  readonly lastSuccess: number | undefined;
  readonly lastFailure: number | undefined;
  readonly consecutiveFailures: number;
  readonly critical: boolean;
  readonly tags: readonly string[];
}

/** One status change of one check. */
export interface Transition {
  readonly at: number;
  readonly check: string;
  readonly from: CheckStatus | undefined;
  readonly to: CheckStatus;
  readonly message: string;
}

/**
 * The history of the checks: each one's state, and the last `size` transitions in a ring buffer, a fixed
 * bound that never grows however long the process runs.
 */
export class CheckHistory {
  readonly #states = new Map<string, CheckState>();
  readonly #ring: Array<Transition | undefined>;
  #next = 0;

  constructor(readonly size: number) {
    this.#ring = new Array<Transition | undefined>(size);
  }

  /** Takes in a run; returns the checks whose status it changed (never seen counts as OK: a healthy start is not news). */
  record(result: HealthResult): CheckChange[] {
    const changes: CheckChange[] = [];
    for (const check of result.checks) {
      const previous = this.#states.get(check.name);
      if ((previous?.status ?? 'OK') !== check.status) {
        changes.push({ name: check.name, before: previous?.status, after: check.status, message: check.message });
      }
      const at = check.startedAt + check.duration;
      const ok = passes(check.status);
      this.#states.set(check.name, {
        name: check.name,
        status: check.status,
        message: check.message,
        duration: check.duration,
        lastChecked: at,
        since: previous === undefined || previous.status !== check.status ? at : previous.since,
        lastSuccess: ok ? at : previous?.lastSuccess,
        lastFailure: ok ? previous?.lastFailure : at,
        consecutiveFailures: ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
        critical: check.critical,
        tags: check.tags,
      });
    }
    if (this.size === 0) return changes;
    const at = result.startedAt + result.duration;
    for (const { name, before, after, message } of changes) {
      this.#ring[this.#next] = { at, check: name, from: before, to: after, message };
      this.#next = (this.#next + 1) % this.size;
    }
    return changes;
  }

  /** Every check seen, in the order first seen. */
  get checks(): readonly CheckState[] {
    return [...this.#states.values()];
  }

  /** The transitions kept, newest first. */
  get transitions(): readonly Transition[] {
    const kept: Transition[] = [];
    for (let i = 1; i <= this.size; i++) {
      const transition = this.#ring[(this.#next - i + this.size) % this.size];
      if (transition) kept.push(transition);
    }
    return kept;
  }
}
