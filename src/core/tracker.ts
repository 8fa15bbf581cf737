/**
 * What each check keeps across runs on a bus: the status it observed, how many runs in a row it has
 * observed it, since when its effective status holds, and the rules that let a check's history count
 * (`failAfter`, `recoverAfter`, flap detection). A result as a check gives it is the observed one; the
 * effective one, which readiness and the HTTP answer use, is what the rules make of it.
 */
import { type CheckResult, type CheckStatus, passes, setBounded, spanOfTime } from './types.js';
import { holdsTimer, knownOptions, optionError, TIMER_MS } from './validate.js';

/** When a check counts as flapping, and what it says then. */
export interface FlappingOptions {
  /**
   * Changes of the observed status within `window` that make a check flapping; 2 or more.
   * @default 4
   */
  changes?: number;
  /**
   * The window, in ms: flapping ends once a whole window passes without a change.
   * @default 600000
   */
  window?: number;
  /**
   * The effective status while flapping.
   * @default 'ERROR'
   */
  status?: 'ERROR' | 'WARN';
}

/** The rules of one check over time, as `registerCheck()` takes them. */
export interface OverTimeOptions {
  /**
   * Consecutive failing runs before the effective status turns `ERROR`; until then it is `WARN`
   * (`failing (1 of 3): …`).
   * @default 1
   */
  failAfter?: number;
  /**
   * Consecutive passing runs before an `ERROR` check is `OK` again (`recovering (1 of 2): …` until then).
   * @default 1
   */
  recoverAfter?: number;
  /**
   * Flap detection: a check whose observed status changed `changes` times within `window` ms holds
   * `status` until a whole window passes without a change. `false` turns off a default from `health()`.
   * @default off (or `health()`'s `flapping`)
   */
  flapping?: FlappingOptions | false;
}

/** Flapping rules with their defaults filled in. */
export type FlappingRule = Required<FlappingOptions>;

/** A check's own rules, checked: `flapping` `undefined` takes the default of the mount that runs it. */
export interface CheckRules {
  readonly failAfter: number;
  readonly recoverAfter: number;
  readonly flapping: FlappingRule | false | undefined;
}

/**
 * Checks the rules over time of `registerCheck()` (or the `flapping` of `health()`).
 * @throws {TypeError} naming the option, in the one form
 */
export function checkRules(options: OverTimeOptions, where: string): CheckRules {
  const count = (option: 'failAfter' | 'recoverAfter'): number => {
    const value = options[option];
    if (value === undefined) return 1;
    if (!Number.isSafeInteger(value) || value < 1) throw optionError(where, option, 'a whole number from 1', value);
    return value;
  };
  return Object.freeze({
    failAfter: count('failAfter'),
    recoverAfter: count('recoverAfter'),
    flapping:
      options.flapping === undefined || options.flapping === false
        ? options.flapping
        : validFlapping(options.flapping, where),
  });
}

/**
 * Checks flapping options and fills in their defaults.
 * @throws {TypeError} naming the option, in the one form
 */
export function validFlapping(value: unknown, where: string): FlappingRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(where, 'flapping', '{ changes, window, status } or false', value);
  knownOptions(value, ['changes', 'window', 'status'], `${where} \`flapping\``);
  const { changes = 4, window = 600_000, status = 'ERROR' } = value as FlappingOptions;
  if (!Number.isSafeInteger(changes) || changes < 2)
    throw optionError(where, 'flapping.changes', 'a whole number from 2', changes);
  if (!holdsTimer(window)) throw optionError(where, 'flapping.window', TIMER_MS, window);
  if (status !== 'ERROR' && status !== 'WARN') throw optionError(where, 'flapping.status', "'ERROR' or 'WARN'", status);
  return Object.freeze({ changes, window, status });
}

/** The rules the tracker applies to one result. */
export interface TrackRules {
  readonly failAfter: number;
  readonly recoverAfter: number;
  readonly flapping: FlappingRule | undefined;
  readonly critical: boolean;
}

/**
 * The rules one result is judged by: the check's own (a registered check's), the flapping rule of the
 * mount that runs it when the check sets none (`false` turns it off), and whether the check is critical.
 */
export function rulesFor(
  own: CheckRules | undefined,
  critical: boolean,
  flapping: FlappingRule | undefined,
): TrackRules {
  const rule = own?.flapping === undefined ? flapping : own.flapping || undefined;
  if (rule === undefined && critical && (own === undefined || (own.failAfter === 1 && own.recoverAfter === 1)))
    return NO_RULES;
  return { failAfter: own?.failAfter ?? 1, recoverAfter: own?.recoverAfter ?? 1, flapping: rule, critical };
}

/** The rules of a check with none of its own. */
const NO_RULES: TrackRules = Object.freeze({
  failAfter: 1,
  recoverAfter: 1,
  flapping: undefined,
  critical: true,
});

/** What the tracker keeps of one check. */
interface Track {
  observed: CheckStatus;
  streak: number;
  failing: number;
  passing: number;
  status: CheckStatus;
  since: number;
  // When the observed status last changed, and the changes within the flapping window.
  changes: number[];
  lastChange: number | undefined;
  flapping: boolean;
}

// Check names come from the app's checks, not from requests; still, a subscriber reporting a new name each
// run must not grow this without end.
const MAX_TRACKED = 100_000;

/** What each check of a bus keeps across runs; one per bus, in its context. */
export class CheckTracker {
  readonly #tracks = new Map<string, Track>();

  /**
   * Takes in a result as a check gave it (its `observed` status, before `critical` capped it) and returns
   * the effective result: the rules applied, `observed`, `since` and `streak` filled in.
   */
  track(result: CheckResult, rules: TrackRules): CheckResult {
    const observed = result.observed;
    const at = result.startedAt + result.duration;
    const previous = this.#tracks.get(result.name);
    const ok = passes(observed);
    const track: Track = previous ?? {
      observed,
      streak: 0,
      failing: 0,
      passing: 0,
      status: 'OK',
      since: at,
      changes: [],
      lastChange: undefined,
      flapping: false,
    };
    if (previous !== undefined && previous.observed !== observed) {
      track.streak = 1;
      track.changes.push(at);
      track.lastChange = at;
    } else track.streak++;
    track.observed = observed;
    track.failing = ok ? 0 : track.failing + 1;
    track.passing = ok ? track.passing + 1 : 0;

    let status: CheckStatus = observed;
    let message = result.message;
    const wasFailing = previous !== undefined && !passes(previous.status);
    if (!ok && !wasFailing && track.failing < rules.failAfter) {
      status = 'WARN';
      message = `failing (${track.failing} of ${rules.failAfter}): ${result.message}`;
    } else if (ok && wasFailing && track.passing < rules.recoverAfter) {
      status = previous.status;
      message = `recovering (${track.passing} of ${rules.recoverAfter}): ${result.message}`;
    }
    const flap = rules.flapping;
    if (flap === undefined) {
      // Changes are kept only for a flapping rule, within its window: without one they would pile up.
      track.flapping = false;
      if (track.changes.length > 0) track.changes.length = 0;
    } else {
      track.changes = track.changes.filter((time) => at - time < flap.window);
      if (!track.flapping && track.changes.length >= flap.changes) track.flapping = true;
      else if (track.flapping && track.lastChange !== undefined && at - track.lastChange >= flap.window)
        track.flapping = false;
      if (track.flapping) {
        status = flap.status;
        message = `flapping: ${track.changes.length} changes in ${spanOfTime(flap.window)}`;
      }
    }
    // A non-critical failure is shown but keeps the instance in rotation.
    if (!rules.critical && !passes(status)) status = 'WARN';
    if (previous === undefined || previous.status !== status) track.since = at;
    track.status = status;
    if (previous === undefined) setBounded(this.#tracks, result.name, track, MAX_TRACKED);
    // Written out rather than spread: this runs for every check of every run.
    return Object.freeze({
      name: result.name,
      status,
      observed,
      since: track.since,
      streak: track.streak,
      flapping: track.flapping,
      message,
      duration: result.duration,
      startedAt: result.startedAt,
      critical: result.critical,
      tags: result.tags,
      details: result.details,
    });
  }

  /** Forgets a check's history (it was unregistered). */
  forget(name: string): void {
    this.#tracks.delete(name);
  }
}
