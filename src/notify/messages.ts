/**
 * What `notify()` says, and how each receiver reads it: a message as data (`Message`, what changed since the
 * last one), the webhook's documented JSON body, and Slack's readable text. Nothing here sends anything.
 * @module
 */
import { type CheckStatus, passes, type RunStatus, type ServiceInfo, spanOfTime } from '../core/index.js';

/** One thing that happened, in the order it happened. */
export interface NotifyEvent {
  /**
   * `change`: a check's status changed; `flapping-started` and `flapping-stopped`; `reminder`: still
   * failing; `muted` and `unmuted`: maintenance or draining began or ended.
   */
  readonly kind: 'change' | 'flapping-started' | 'flapping-stopped' | 'reminder' | 'muted' | 'unmuted';
  /** When, ms since the epoch. */
  readonly at: number;
  /** The check, for a change and flapping. */
  readonly check?: string;
  readonly before?: CheckStatus;
  readonly status?: CheckStatus;
  /** The check's message, or why notifications are muted. */
  readonly message?: string;
}

/** A check as a message shows it: its status now, the one the last message told, and since when. */
export interface CheckState {
  readonly name: string;
  readonly status: CheckStatus;
  /** The status the last message told (`OK` for a check no message has named). */
  readonly before: CheckStatus;
  readonly message: string;
  /** Since when it has been in this status, ms since the epoch. */
  readonly since: number;
  /** For a check that passes again: how long it had failed, in ms. */
  readonly downFor?: number;
  readonly flapping: boolean;
}

/** One message: what changed since the last one, folded together, and how things stand now. */
export interface Message {
  readonly at: number;
  /** The overall status now, and the one the last message told (`undefined` for the first). */
  readonly status: RunStatus;
  readonly before: RunStatus | undefined;
  /** The checks named by the events, as they stand now. */
  readonly checks: readonly CheckState[];
  /** Every check failing now. */
  readonly failing: readonly CheckState[];
  /** What happened since the last message, in order: the latest 100. */
  readonly events: readonly NotifyEvent[];
  /** How many earlier events were left out of `events`. */
  readonly omitted: number;
  /** Why notifications are muted now, if they are. */
  readonly muted: string | undefined;
}

/** What a receiver adds when it writes a message: the service, and the messages its full queue dropped. */
export interface Delivered {
  readonly service: ServiceInfo;
  readonly dropped: number;
}

/**
 * The webhook's JSON body:
 * `{ status, before, checks: [{ name, status, before, message, since }], service, at, summary, events, failing, omitted, dropped, muted }`.
 */
export function webhookBody(message: Message, { service, dropped }: Delivered): string {
  const check = (state: CheckState) => ({
    name: state.name,
    status: state.status,
    before: state.before,
    message: state.message,
    since: iso(state.since),
    flapping: state.flapping,
    ...(state.downFor === undefined ? {} : { downForMs: state.downFor }),
  });
  return JSON.stringify({
    status: message.status,
    before: message.before ?? null,
    checks: message.checks.map(check),
    service,
    at: iso(message.at),
    summary: summary(message, service, dropped),
    events: message.events.map((event) => ({ ...event, at: iso(event.at) })),
    failing: message.failing.map(check),
    omitted: message.omitted,
    dropped,
    muted: message.muted ?? null,
  });
}

/** Slack's incoming-webhook body: one readable text, which checks fail, why, since when; a recovery says how long it was down. */
export function slackBody(message: Message, { service, dropped }: Delivered): string {
  const lines = [`${icon(message.status)} *${slack(summary(message, service, dropped))}*`];
  const named = new Set(message.checks.map(({ name }) => name));
  for (const state of message.checks) lines.push(`• ${slackCheck(state)}`);
  for (const state of message.failing) if (!named.has(state.name)) lines.push(`• ${slackCheck(state)}`);
  if (message.events.length > 1) {
    const more = message.omitted > 0 ? ` (and ${message.omitted} earlier, not listed)` : '';
    const listed = message.events.map((event) => slack(eventText(event))).join('; ');
    lines.push(`_${message.events.length + message.omitted} changes:_ ${listed}${more}`);
  }
  if (dropped > 0) lines.push(`_${dropped} earlier messages were dropped: the queue was full_`);
  return JSON.stringify({ text: lines.join('\n') });
}

/** One line saying what the message is about: `orders-api: ERROR (was OK): db failing`. */
export function summary(message: Message, service: ServiceInfo, dropped = 0): string {
  const who = service.serviceId ?? 'the service';
  const failing = message.failing.map(({ name }) => name);
  const events = message.events;
  const only = events.length === 1 ? events[0] : undefined;
  let what: string;
  if (only?.kind === 'muted') what = `notifications muted: ${only.message ?? ''}`;
  else if (only?.kind === 'reminder') what = `still failing: ${failing.join(', ')}`;
  else if (only?.kind === 'flapping-started') what = `${only.check ?? ''} started flapping`;
  else if (only?.kind === 'flapping-stopped') what = `${only.check ?? ''} stopped flapping (${only.status ?? ''})`;
  else if (message.before !== undefined && message.before !== 'OK' && message.status === 'OK') {
    const longest = Math.max(0, ...message.checks.map(({ downFor }) => downFor ?? 0));
    what = `recovered${longest > 0 ? ` after ${duration(longest)} down` : ''}`;
  } else if (failing.length > 0) what = `failing: ${failing.join(', ')}`;
  else
    what =
      events.length === 1 && only?.check
        ? `${only.check} ${only.status ?? ''}`
        : `${events.length + message.omitted} changes`;
  const change = message.before === undefined || message.before === message.status ? '' : ` (was ${message.before})`;
  const lost = dropped > 0 ? ` (${dropped} messages dropped)` : '';
  return `${who}: ${message.status}${change}: ${what}${lost}`;
}

/** An event in words, for the folded list: `db OK → ERROR at 14:02:03 UTC`. */
export function eventText(event: NotifyEvent): string {
  const at = ` at ${clock(event.at)}`;
  switch (event.kind) {
    case 'change':
      return `${event.check ?? ''} ${event.before ?? ''} → ${event.status ?? ''}${at}`;
    case 'flapping-started':
      return `${event.check ?? ''} started flapping${at}`;
    case 'flapping-stopped':
      return `${event.check ?? ''} stopped flapping${at}`;
    case 'reminder':
      return `still failing${at}`;
    case 'muted':
      return `muted (${event.message ?? ''})${at}`;
    case 'unmuted':
      return `unmuted (${event.message ?? ''})${at}`;
  }
}

function slackCheck(state: CheckState): string {
  const name = `*${slack(state.name)}*`;
  if (state.flapping) return `${name} is flapping: ${slack(state.message)}`;
  if (passes(state.status) && state.downFor !== undefined)
    return `${name} ${state.status} again after ${duration(state.downFor)} down`;
  if (passes(state.status)) return `${name} ${slack(state.status)}${state.message ? `: ${slack(state.message)}` : ''}`;
  return `${name} ${slack(state.status)} since ${clock(state.since)}${state.message ? `: ${slack(state.message)}` : ''}`;
}

function icon(status: RunStatus): string {
  return status === 'OK' ? ':large_green_circle:' : status === 'WARN' ? ':large_yellow_circle:' : ':red_circle:';
}

/** Slack's escaping: `&`, `<` and `>`, so a message cannot mention `<!channel>` or forge a link. */
function slack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

/** A time of day in UTC, to the second: `14:02:03 UTC`. */
function clock(at: number): string {
  return `${iso(at).slice(11, 19)} UTC`;
}

/** A duration as people read it, rounded: `45 s`, `12 min`, `3 h 5 min`. */
function duration(ms: number): string {
  if (ms < 90_000) return spanOfTime(Math.round(ms / 1000) * 1000);
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
