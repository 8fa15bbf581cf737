/**
 * The scheduler of a bus, kept in its context: every planned run of its scheduled checks in one queue,
 * earliest first, behind one timer however many checks there are; the checks due together run together,
 * as one run of their own apart from requests, and each one's next run is planned from there.
 */
import { guarded, observeRun } from './observe.js';
import { RunRecorder } from './recorder.js';
import { type Planned, type Planner, ScheduledCheck, type ScheduledEntry } from './schedule.js';
import { Selection } from './selection.js';
import { type CheckTracker, type FlappingRule, rulesFor } from './tracker.js';
import { type CheckResult, type Instrumentation, overallStatus, type RunObserver, type RunResult } from './types.js';

/** What a scheduled run needs of the bus: its tracker and instrumentations, and what the mounts said. */
interface SchedulerSettings {
  readonly tracker: CheckTracker;
  readonly instrumentations: ReadonlySet<Instrumentation>;
}

const NO_OBSERVERS: readonly RunObserver[] = Object.freeze([]);

// Runs due within this many ms of one another go together: one wake-up of the process, not one per check.
const SLACK_MS = 50;

/** Adds a number to a binary min-heap of numbers. */
function heapPush(heap: number[], value: number): void {
  let index = heap.push(value) - 1;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (heap[parent]! <= value) break;
    heap[index] = heap[parent]!;
    index = parent;
  }
  heap[index] = value;
}

/** Takes the least number from a binary min-heap of numbers. */
function heapPop(heap: number[]): number | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
    if (heap[child]! >= last) break;
    heap[index] = heap[child]!;
    index = child;
  }
  heap[index] = last;
  return top;
}

/** The planned runs of one slot of `SLACK_MS`, and the earliest of them. */
interface Slot {
  readonly runs: Planned[];
  earliest: number;
}

/**
 * The scheduled checks of one bus. Schedules start when the first `health()` or `runHealthChecks()` uses
 * the bus (a check registered later starts at once), and stop when the last mount is closed.
 */
export class Scheduler implements Planner {
  readonly settings: SchedulerSettings;
  readonly #checks = new Map<string, ScheduledCheck>();
  // Every planned run, by slot of SLACK_MS (a slot's runs go together), behind one timer for the whole bus
  // however many checks it has; the slots' numbers in a heap, earliest first. A slot is a list, so planning
  // a run costs an append, and taking the due runs touches nothing else.
  readonly #slots = new Map<number, Slot>();
  readonly #order: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  // The signal given to the functions that name no parameter, kept across runs until a run's deadline aborts it.
  #deadline = new AbortController();
  readonly #maintenanceWatches = new Set<() => boolean>();
  #maintenance: { at: number; active: boolean } | undefined;
  #started = false;
  #mounts = 0;
  /** The deadline of a scheduled run whose check has no `timeout`: the first mount's `timeout`. */
  timeout = 5000;
  /** The flapping rule for a scheduled check without its own: the first mount's. */
  flapping: FlappingRule | undefined;

  constructor(settings: SchedulerSettings) {
    this.settings = settings;
  }

  /** Adds a registered check with a schedule; it starts at once if the schedules have. */
  add(entry: ScheduledEntry): void {
    // A name registered anew (its listener was taken off the bus): the old schedule goes.
    this.remove(entry.name);
    const check = new ScheduledCheck(entry, this);
    this.#checks.set(entry.name, check);
    if (this.#started) check.start();
  }

  /** Stops and forgets a check's schedule. */
  remove(name: string): void {
    const check = this.#checks.get(name);
    if (check === undefined) return;
    check.removed = true;
    check.stop();
    this.#checks.delete(name);
  }

  /** What a request takes for `name` instead of running it, if anything (see `ScheduledCheck.made()`). */
  made(name: string): CheckResult | Promise<CheckResult> | undefined {
    return this.#checks.get(name)?.made(Date.now());
  }

  /** Keeps a result `name` made on a request, for its own `cache`. */
  keep(result: CheckResult): void {
    this.#checks.get(result.name)?.keep(result);
  }

  /** Plans a run of `check` at `at` (ms since the epoch), in place of any run planned before. */
  plan(check: ScheduledCheck, at: number, first: boolean): void {
    if (!this.runs(check)) return;
    const planned: Planned = { at, check, first };
    check.planned = planned;
    this.#enqueue(planned);
    this.#arm();
  }

  #enqueue(planned: Planned): void {
    const number = Math.floor(planned.at / SLACK_MS);
    const slot = this.#slots.get(number);
    if (slot === undefined) {
      this.#slots.set(number, { runs: [planned], earliest: planned.at });
      heapPush(this.#order, number);
    } else {
      slot.runs.push(planned);
      if (planned.at < slot.earliest) slot.earliest = planned.at;
    }
  }

  /** Sets the one timer for the earliest planned run, unless it is set for that already. */
  #arm(): void {
    const first = this.#order[0];
    if (first === undefined) return;
    const at = this.#slots.get(first)!.earliest;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, at - Date.now()));
    this.#timer.unref();
  }

  /** Runs every check due now (or within `SLACK_MS`), then sets the timer for the next. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const until = Date.now() + SLACK_MS;
    const due: Planned[] = [];
    for (;;) {
      const number = this.#order[0];
      const slot = number === undefined ? undefined : this.#slots.get(number);
      if (slot === undefined || slot.earliest > until) break;
      heapPop(this.#order);
      this.#slots.delete(number!);
      for (const planned of slot.runs) {
        // Dropped or planned anew since: not this one.
        if (planned.check.planned !== planned) continue;
        // Later in the slot than the slack reaches (the slot began late): it waits in a slot of its own.
        if (planned.at > until) this.#enqueue(planned);
        else {
          planned.check.planned = undefined;
          due.push(planned);
        }
      }
    }
    if (due.length > 0) void this.#runTogether(due);
    this.#arm();
  }

  /**
   * Runs the checks due at once as one run of their own, apart from requests: one recorder and one deadline
   * for them all, each check's result counted by the tracker; then plans each one's next run.
   */
  async #runTogether(due: readonly Planned[]): Promise<void> {
    const startedAt = Date.now();
    const inMaintenance = this.inMaintenance();
    const running: ScheduledCheck[] = [];
    for (const { check } of due) if (check.claim(inMaintenance)) running.push(check);
    if (running.length > 0) {
      // The run's deadline: the longest of their own timeouts, else the first mount's. A check without one of
      // its own gets the mount's as its own only when another's makes the run longer (its own timer, then).
      let timeout = this.timeout;
      for (const { entry } of running) timeout = Math.max(timeout, entry.options.timeout ?? 0);
      const { instrumentations, tracker } = this.settings;
      const observers =
        instrumentations.size === 0
          ? NO_OBSERVERS
          : observeRun(instrumentations, { selection: 'scheduled', startedAt });
      if (this.#deadline.signal.aborted) this.#deadline = new AbortController();
      const recorder = new RunRecorder(Selection.all, timeout, observers, this.#deadline);
      for (const { entry, timedOptions } of running) {
        const options = timeout > this.timeout ? timedOptions : entry.options;
        void recorder.check(entry.name, entry.fn, options, true);
      }
      const deadline = setTimeout(() => recorder.expire('check'), timeout);
      deadline.unref();
      await recorder.settled();
      clearTimeout(deadline);
      recorder.close();
      const results: CheckResult[] = [];
      for (const check of running) {
        const result = recorder.resultOf(check.entry.name);
        const tracked =
          result === undefined
            ? undefined
            : tracker.track(result, rulesFor(check.entry.rules, check.entry.options.critical ?? true, this.flapping));
        if (tracked !== undefined) results.push(tracked);
        check.finish(tracked);
      }
      if (observers.length > 0) {
        const run: RunResult = Object.freeze({
          status: overallStatus(results),
          checks: Object.freeze(results),
          startedAt,
          duration: Date.now() - startedAt,
          selection: 'scheduled',
        });
        for (const observer of observers) guarded(() => observer.ended?.(run));
      }
    }
    for (const { check, first } of due) if (this.runs(check)) check.planNext(first, startedAt);
  }

  /** Whether `check` is still the one scheduled under its name, and the schedules run. */
  runs(check: ScheduledCheck): boolean {
    return this.#started && !check.removed;
  }

  /**
   * Starts every schedule (once); a mount holds them running until it lets go, and the last to let go
   * stops them. `runHealthChecks()` starts them without holding them.
   */
  start(settings: { timeout: number; flapping?: FlappingRule | undefined }, mount: boolean): () => void {
    if (!this.#started) {
      this.#started = true;
      this.timeout = settings.timeout;
      this.flapping = settings.flapping;
      for (const check of this.#checks.values()) check.start();
    }
    if (!mount) return () => {};
    this.#mounts++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#mounts > 0) return;
      this.#started = false;
      for (const check of this.#checks.values()) check.stop();
      this.#slots.clear();
      this.#order.length = 0;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
    };
  }

  /** Adds a way to tell whether the disable file exists (a mount's); returns a function that removes it. */
  watchMaintenance(active: () => boolean): () => void {
    this.#maintenanceWatches.add(active);
    return () => void this.#maintenanceWatches.delete(active);
  }

  /** Whether a mount is in maintenance; asked at most once a second, however many checks are scheduled. */
  inMaintenance(): boolean {
    const now = Date.now();
    if (this.#maintenance === undefined || now - this.#maintenance.at >= 1000) {
      let active = false;
      for (const watch of this.#maintenanceWatches) active ||= watch();
      this.#maintenance = { at: now, active };
    }
    return this.#maintenance.active;
  }
}
