/** A span processor in front of the app's own: the traces of healthy, unchanged, fast runs are dropped before export. */

import { optionError } from '../core/index.js';

/** The run span's name: `tracing()` names its runs so, and the filter recognises health traces by it. */
export const RUN_SPAN = 'koa-health run';

/** What the filter reads of a finished span (an OpenTelemetry SDK `ReadableSpan`). */
interface EndedSpan {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly duration: readonly [number, number];
  spanContext(): { traceId: string };
}

/** What the filter uses of the processor it hands spans on to (an SDK `SpanProcessor`). */
export interface NextProcessor {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of `healthSpanFilter()`. */
export interface SpanFilterOptions {
  /**
   * A run that took longer than this many ms is kept, whatever its outcome.
   * @default 1000
   */
  slowMs?: number;
}

// Bounds, so that a trace whose root never ends cannot hold spans forever.
const MAX_TRACES = 100;
const MAX_SPANS_PER_TRACE = 500;

/**
 * Wraps the app's span processor: the spans of a health run's trace (the run, its checks, and whatever the
 * checks' own calls made) wait until the run ends, then go on whole if the run failed, changed a check's
 * status or was slow, and are dropped if it was healthy, unchanged and fast. Every other span goes on at once.
 */
export function healthSpanFilter(next: NextProcessor, options: SpanFilterOptions = {}): NextProcessor {
  const { slowMs = 1000 } = options;
  if (typeof slowMs !== 'number' || !(slowMs >= 0))
    throw optionError('healthSpanFilter()', 'slowMs', 'a number of ms, 0 or more', slowMs);
  if (typeof next?.onEnd !== 'function') throw optionError('healthSpanFilter()', 'next', 'a span processor', next);
  const held = new Map<string, unknown[]>();
  const release = (traceId: string, keep: boolean): void => {
    const spans = held.get(traceId) ?? [];
    held.delete(traceId);
    if (keep) for (const span of spans) next.onEnd(span);
  };
  return {
    onStart(span, parentContext) {
      const started = span as EndedSpan & { parentSpanContext?: unknown; parentSpanId?: unknown };
      if (started.name === RUN_SPAN && started.parentSpanContext === undefined && !started.parentSpanId) {
        if (held.size >= MAX_TRACES) release(held.keys().next().value as string, true);
        held.set(started.spanContext().traceId, []);
      }
      next.onStart(span, parentContext);
    },
    onEnd(span) {
      const ended = span as EndedSpan;
      const { traceId } = ended.spanContext();
      const spans = held.get(traceId);
      if (spans === undefined) return next.onEnd(span);
      spans.push(span);
      if (ended.name !== RUN_SPAN) {
        if (spans.length > MAX_SPANS_PER_TRACE) release(traceId, true);
        return;
      }
      const [seconds, nanos] = ended.duration;
      const slow = seconds * 1000 + nanos / 1e6 > slowMs;
      release(
        traceId,
        ended.attributes['koa_health.status'] !== 'OK' || ended.attributes['koa_health.changed'] === true || slow,
      );
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
