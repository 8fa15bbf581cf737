/**
 * What the engine remembers of the checks, for people (the status page), not for probes: each check's state,
 * its last transitions, and a timeline of the recent results of each check and of the overall status.
 */
import {
  type CheckChange,
  type CheckResult,
  type CheckStatus,
  entryOf,
  failingNames,
  passes,
  type RunResult,
} from './types.js';

/** What the engine knows of one check, across runs: for people (the status page), not for probes. */
export interface CheckRecord {
  readonly name: string;
  /** The effective status. */
  readonly status: CheckStatus;
  /** What the check itself said in its last run, and how many runs in a row it has said so. */
  readonly observed: CheckStatus;
  readonly streak: number;
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

/** One cell of a timeline: a result of a check, or a run's overall status. */
export interface TimelineCell {
  /** When it was known (the check's or the run's end), ms since the epoch. */
  readonly at: number;
  readonly status: CheckStatus;
  readonly message: string;
}

/** A check's recent results, oldest first, at most `size`; the same result borrowed by several runs counts once. */
class Timeline {
  readonly cells: TimelineCell[] = [];
  last: CheckResult | undefined;

  add(cell: TimelineCell, size: number): void {
    this.cells.push(cell);
    if (this.cells.length > size) this.cells.shift();
  }
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
 * The history of the checks: each one's state, the last `size` transitions in a ring buffer, and the last
 * `timelineSize` results of each check and of the overall status: fixed bounds that never grow however long
 * the process runs.
 */
export class CheckHistory {
  readonly #states = new Map<string, CheckRecord>();
  readonly #ring: Array<Transition | undefined>;
  #next = 0;
  readonly #timelines = new Map<string, Timeline>();
  readonly #overall = new Timeline();

  constructor(
    readonly size: number,
    readonly timelineSize = 0,
  ) {
    this.#ring = new Array<Transition | undefined>(size);
  }

  /** A check's recent results, oldest first; empty for a check never seen. */
  timeline(name: string): readonly TimelineCell[] {
    return this.#timelines.get(name)?.cells ?? [];
  }

  /** The overall status of the recent runs, oldest first. */
  get overall(): readonly TimelineCell[] {
    return this.#overall.cells;
  }

  #addToTimelines(result: RunResult): void {
    const size = this.timelineSize;
    if (size === 0) return;
    for (const check of result.checks) {
      const timeline = entryOf(this.#timelines, check.name, () => new Timeline());
      if (timeline.last === check) continue;
      timeline.last = check;
      timeline.add({ at: check.startedAt + check.duration, status: check.status, message: check.message }, size);
    }
    const failing = failingNames(result.checks);
    const message = failing.length > 0 ? `failing: ${failing.join(', ')}` : `${result.checks.length} checks`;
    this.#overall.add({ at: result.startedAt + result.duration, status: result.status, message }, size);
  }

  /** Takes in a run; returns the checks whose status it changed (never seen counts as OK: a healthy start is not news). */
  record(result: RunResult): CheckChange[] {
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
        observed: check.observed,
        streak: check.streak,
        message: check.message,
        duration: check.duration,
        lastChecked: at,
        since: check.since,
        lastSuccess: ok ? at : previous?.lastSuccess,
        lastFailure: ok ? previous?.lastFailure : at,
        consecutiveFailures: ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
        critical: check.critical,
        tags: check.tags,
      });
    }
    this.#addToTimelines(result);
    if (this.size === 0) return changes;
    const at = result.startedAt + result.duration;
    for (const { name, before, after, message } of changes) {
      this.#ring[this.#next] = { at, check: name, from: before, to: after, message };
      this.#next = (this.#next + 1) % this.size;
    }
    return changes;
  }

  /** Every check seen, in the order first seen. */
  get checks(): readonly CheckRecord[] {
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
