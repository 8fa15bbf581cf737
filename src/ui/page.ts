/**
 * The status page: server-rendered HTML for the person on call, from a plain model; no script, no asset,
 * no framework. Every value is escaped; status shows as a word and a shape as well as a colour.
 * @module
 */
import { type AvailabilityState, type CheckRecord, entryOf, type TimelineCell } from '../core/index.js';
import { STYLE } from './style.js';

export { PAGE_CSP } from './style.js';

/** One probe's answer right now, and the reason that drives it. */
export interface ProbeRow {
  readonly probe: string;
  readonly path: string;
  readonly statusCode: number;
  readonly state: string;
  readonly reason: string;
}

/** One line of the history: a check's change of status, or a change of the app's availability. */
export interface HistoryRow {
  readonly at: number;
  /** The check, or what the app said (`readiness`, `liveness`, `startup`, `shedding`). */
  readonly check: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly message: string;
}

/** What the page shows. */
export interface PageModel {
  /** The state the page's title carries. */
  readonly state: string;
  readonly now: number;
  readonly probes: readonly ProbeRow[];
  readonly checks: readonly CheckRecord[];
  /** Whether messages may be shown; without, they are withheld. */
  readonly details: boolean;
  readonly transitions: readonly HistoryRow[];
  /** Each check's recent results, oldest first, and the overall status of the recent runs. */
  readonly timeline: (check: string) => readonly TimelineCell[];
  readonly overall: readonly TimelineCell[];
  /** What the app says of its availability (`availability()`), and whether load is being shed. */
  readonly availability: AvailabilityState;
  readonly shedding: { readonly since: number; readonly shed: number } | undefined;
  readonly facts: {
    readonly hostname: string;
    readonly uptime: number;
    readonly version: string;
    readonly refreshing: boolean;
  };
  /** The link that runs every check now, and the auto-refresh in seconds, if asked for. */
  readonly runAllHref: string;
  readonly refresh: number | undefined;
}

/** Renders the page. */
export function renderPage(model: PageModel): string {
  const { state, now, details } = model;
  const when = timesAgo(now);
  const refresh = model.refresh === undefined ? '' : `<meta http-equiv="refresh" content="${model.refresh}">`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">${refresh}` +
    `<title>${esc(state)} · health</title><style>${STYLE}</style></head><body><main>` +
    `<h1>Health: ${badge(state)}</h1>` +
    `<ul class="facts"><li>host <b>${esc(model.facts.hostname)}</b></li><li>up ${ago(model.facts.uptime * 1000)}</li>` +
    `<li>koa-health ${esc(model.facts.version)}</li><li>${model.facts.refreshing ? 'checks refresh in the background' : 'checks run on request'}</li>` +
    `<li><a href="${esc(model.runAllHref)}">Run all checks now</a></li></ul>` +
    availabilityLine(model, when) +
    `<h2>What each probe would answer now</h2>${table(
      ['Probe', 'Answer', 'Why'],
      model.probes.map((row) => [
        `${esc(row.probe)} <span class="muted">${esc(row.path)}</span>`,
        `${row.statusCode || '—'} ${badge(row.state)}`,
        esc(row.reason),
      ]),
    )}` +
    (model.overall.length === 0
      ? ''
      : `<p class="recent">Overall, the last ${model.overall.length} runs ${strip(model.overall, details, 'overall')}</p>`) +
    `<h2>Checks</h2>${
      model.checks.length === 0
        ? '<p>No check has run yet.</p>'
        : table(
            [
              'Check',
              'Status',
              'Recent',
              'Observed',
              'Message',
              'Took',
              'Last checked',
              'In this status since',
              'Last success',
              'Last failure',
              'Failures in a row',
              'Critical',
              'Tags',
            ],
            model.checks.map((check) => [
              esc(check.name),
              badge(check.status),
              strip(model.timeline(check.name), details, check.name),
              `${badge(check.observed)} ×${check.streak}`,
              `<span class="msg">${details ? esc(check.message) : '<i>withheld</i>'}</span>`,
              `${Math.round(check.duration)} ms`,
              when(check.lastChecked),
              when(check.since),
              when(check.lastSuccess),
              when(check.lastFailure),
              String(check.consecutiveFailures),
              check.critical ? 'yes' : 'no',
              esc(check.tags.join(', ')),
            ]),
          )
    }` +
    `<h2>History</h2>${
      model.transitions.length === 0
        ? '<p>No status has changed yet.</p>'
        : table(
            ['When', 'Check', 'Change', 'Message'],
            model.transitions.map((transition) => [
              when(transition.at),
              esc(transition.check),
              // One inline box, so that on a phone it wraps between the two states rather than widening the page.
              `<span>${transition.from === undefined ? 'new' : badge(transition.from)} → ${badge(transition.to)}</span>`,
              `<span class="msg">${details ? esc(transition.message) : '<i>withheld</i>'}</span>`,
            ]),
          )
    }` +
    `<p class="muted">Generated ${when(now)}.</p></main></body></html>`
  );
}

/** The app's own say, under the title: each lever as a badge, its reasons where details may be shown. */
function availabilityLine({ availability, shedding, details }: PageModel, when: (at: number) => string): string {
  const { readiness, liveness, startup, reasons } = availability;
  const item = (label: string, state: string, why: readonly string[]): string =>
    `<li>${label} ${badge(state)}${why.length > 0 && details ? ` <span class="msg">${esc(why.join('; '))}</span>` : ''}</li>`;
  const shed =
    shedding === undefined
      ? ''
      : `<li>load ${badge('SHEDDING')} since ${when(shedding.since)}, ${shedding.shed} requests shed</li>`;
  return (
    `<ul class="facts" aria-label="availability">${item('readiness', readiness, reasons.readiness)}` +
    `${item('liveness', liveness, reasons.liveness)}${item('startup', startup, reasons.startup)}${shed}</ul>`
  );
}

/**
 * A strip of cells, oldest on the left: a shape and a colour per status, readable without colour; hover or
 * focus (each cell can take it) shows its time, status and message, which a screen reader reads too.
 */
function strip(cells: readonly TimelineCell[], details: boolean, what: string): string {
  if (cells.length === 0) return '<span class="muted">none yet</span>';
  let items = '';
  for (const cell of cells) items += cellHtml(cell, details);
  return `<ol class="strip" aria-label="${esc(`${what}: recent results, oldest first`)}">${items}</ol>`;
}

// A cell never changes once made: each is written once, with and without its message, whatever the page loads.
type Written = { details?: string; withheld?: string };
const written = new WeakMap<TimelineCell, Written>();

function cellHtml(cell: TimelineCell, details: boolean): string {
  const kept = entryOf(written, cell, (): Written => ({}));
  const key = details ? 'details' : 'withheld';
  let html = kept[key];
  if (html === undefined) {
    const { at, status, message } = cell;
    const [shape, kind] = look(status);
    const text = `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC · ${status}${details && message ? ` · ${message}` : ''}`;
    html = `<li class="c ${kind}" tabindex="0" aria-label="${esc(text)}">${shape}</li>`;
    kept[key] = html;
  }
  return html;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const labels = headers.map(esc);
  const head = labels.map((label) => `<th scope="col">${label}</th>`).join('');
  const body = rows
    .map((cells) => `<tr>${cells.map((cell, i) => `<td data-label="${labels[i] ?? ''}">${cell}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A status as a word, a shape and a colour: readable without colour and by a screen reader. */
function badge(status: string): string {
  const [shape, kind] = look(status);
  return `<span class="state ${kind}"><span aria-hidden="true">${shape}</span> ${esc(status)}</span>`;
}

/** A status's shape and its colour's class. */
function look(status: string): [shape: string, kind: 'ok' | 'warn' | 'bad'] {
  return status === 'OK' ||
    status === 'ACCEPTING' ||
    status === 'CORRECT' ||
    status === 'STARTED' ||
    status === 'ADMITTING'
    ? ['✔', 'ok']
    : status === 'WARN' || status === 'STARTING' || status === 'REFUSING' || status === 'SHEDDING'
      ? ['▲', 'warn']
      : status === 'MAINTENANCE'
        ? ['■', 'warn']
        : ['✖', 'bad'];
}

/** Writes times as "N ago" against `now`; one run's checks share their times, each written once per page. */
function timesAgo(now: number): (at: number | undefined) => string {
  const written = new Map<number, string>();
  return (at) => {
    if (at === undefined) return '<span class="muted">never</span>';
    let time = written.get(at);
    if (time === undefined) {
      time = `<time datetime="${new Date(at).toISOString()}">${ago(now - at)} ago</time>`;
      written.set(at, time);
    }
    return time;
  };
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** HTML-escapes any value for text and attribute positions. */
export function esc(value: unknown): string {
  const text = String(value);
  // Most values (names, statuses, times) have nothing to escape: no replace, no callback.
  return SPECIAL.test(text) ? text.replace(SPECIALS, (char) => `&#${char.charCodeAt(0)};`) : text;
}

const SPECIAL = /[&<>"']/;
const SPECIALS = /[&<>"']/g;
