/**
 * `koa-health/tracing`: OpenTelemetry spans for every run and every check, through `@opentelemetry/api`.
 * A run is a root span of its own (one run serves many probes), linked from each probe request that waits
 * on it; each check is its child, and the check function runs inside it, so the spans that
 * auto-instrumentation makes for its calls (pg, ioredis, http) nest under the check that made them.
 * @module
 */
import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  type AvailabilityChange,
  type CheckResult,
  contextOf,
  failingNames,
  type HealthBus,
  healthBus,
  holdShared,
  instrument,
  isThenable,
  knownOptions,
  optionError,
  passes,
  type RunResult,
  statusLabel,
  validBus,
} from '../core/index.js';
import { RUN_SPAN } from './span-filter.js';

export { healthSpanFilter, RUN_SPAN, type SpanFilterOptions } from './span-filter.js';

/** Options of `tracing()`. */
export interface TracingOptions {
  /**
   * The bus whose runs are traced.
   * @default healthBus
   */
  bus?: HealthBus;
  /**
   * Where the tracer comes from.
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider;
}

/** What `tracing()` returns: `close()` stops tracing new runs. */
export interface TracingHandle {
  close(): void;
}

/**
 * Traces every run on `bus`: a span `koa-health run` (INTERNAL, a root, `koa_health.selection`,
 * `koa_health.status`, `koa_health.changed`) and a child `koa-health check <name>` per check, with its name,
 * criticality, tags and status; a failure sets status ERROR with the message and `error.type`.
 * @throws {TypeError} for a wrong option
 */
export function tracing(options: TracingOptions = {}): TracingHandle {
  knownOptions(options, ['bus', 'tracerProvider'], 'tracing()');
  const { bus = healthBus, tracerProvider = trace.getTracerProvider() } = options;
  validBus(bus, 'tracing()');
  if (typeof (tracerProvider as Partial<TracerProvider> | null)?.getTracer !== 'function') {
    throw optionError('tracing()', 'tracerProvider', 'an OpenTelemetry TracerProvider', tracerProvider);
  }
  // A second call for the same bus and provider (a second mount, a second setup) shares the first.
  const shared = contextOf(bus).shared<TracerProvider, undefined>('tracing');
  const { release } = holdShared(shared, tracerProvider, () => ({
    value: undefined,
    stop: traceRuns(bus, tracerProvider),
  }));
  return { close: release };
}

/** Instruments the runs on `bus`; returns a function that stops it. */
function traceRuns(bus: HealthBus, tracerProvider: TracerProvider): () => void {
  const tracer = tracerProvider.getTracer('koa-health');
  // The last status of each check, so that a run can say whether it changed anything.
  const last = new Map<string, string>();
  // Each change of availability is an event: on the span of the code that made it (a request, a job), else
  // on a span of its own.
  const onAvailability = ({ kind, before, after, reason, at }: AvailabilityChange): void => {
    const attributes = {
      'koa_health.availability.kind': kind,
      'koa_health.availability.before': before,
      'koa_health.availability.after': after,
      'koa_health.availability.reason': reason,
    };
    const active = trace.getActiveSpan();
    if (active?.isRecording()) return void active.addEvent(AVAILABILITY_EVENT, attributes, at);
    const span = tracer.startSpan(
      AVAILABILITY_SPAN,
      { kind: SpanKind.INTERNAL, root: true, startTime: at },
      ROOT_CONTEXT,
    );
    span.addEvent(AVAILABILITY_EVENT, attributes, at);
    span.end(at);
  };
  bus.on('availability', onAvailability);
  const uninstrument = instrument(bus, {
    runStarted({ selection, startedAt }) {
      // Started in the root context, not the request's: a probe request whose tracing is suppressed (the
      // HTTP instrumentation's ignoreIncomingRequestHook) must not make the run a non-recording span.
      const run = tracer.startSpan(
        RUN_SPAN,
        {
          kind: SpanKind.INTERNAL,
          root: true,
          startTime: startedAt,
          attributes: { 'koa_health.selection': selection },
        },
        ROOT_CONTEXT,
      );
      const runContext = trace.setSpan(ROOT_CONTEXT, run);
      const traced = new Set<string>();
      return {
        joined() {
          const request = trace.getSpan(context.active());
          if (request !== undefined && request !== run) run.addLink({ context: request.spanContext() });
        },
        check({ name, critical, tags }, call) {
          traced.add(name);
          const span = tracer.startSpan(
            `koa-health check ${name}`,
            { kind: SpanKind.INTERNAL, attributes: checkAttributes(name, critical, tags) },
            runContext,
          );
          let errorType: string | undefined;
          try {
            const returned = context.with(trace.setSpan(runContext, span), call);
            if (isThenable(returned)) {
              returned.then(undefined, (error: unknown) => {
                errorType = classOf(error);
              });
            }
          } catch (error) {
            errorType = classOf(error);
          }
          // Ended as the result is recorded: the span's own clock covers what the result's duration does.
          return (result: CheckResult) => endCheck(span, result, errorType, undefined);
        },
        ended(result: RunResult) {
          // Reported results had no function to wrap: a span each, over the time they cover.
          for (const check of result.checks) {
            if (traced.has(check.name)) continue;
            const span = tracer.startSpan(
              `koa-health check ${check.name}`,
              {
                kind: SpanKind.INTERNAL,
                startTime: check.startedAt,
                attributes: checkAttributes(check.name, check.critical, check.tags),
              },
              runContext,
            );
            endCheck(span, check, undefined, check.startedAt + check.duration);
          }
          // Changed as the span's status sees it: two words of failure (NOK, ERROR) are no change.
          const changed = result.checks.some(({ name, status }) => (last.get(name) ?? 'ok') !== statusLabel(status));
          for (const { name, status } of result.checks) last.set(name, statusLabel(status));
          run.setAttributes({ 'koa_health.status': result.status, 'koa_health.changed': changed });
          if (result.status === 'ERROR')
            run.setStatus({ code: SpanStatusCode.ERROR, message: failingNames(result.checks).join(', ') });
          run.end(result.startedAt + result.duration);
        },
      };
    },
  });
  return () => {
    uninstrument();
    bus.off('availability', onAvailability);
  };
}

/** The span event of a change of availability, and the span it goes on when no span is active. */
const AVAILABILITY_EVENT = 'koa_health.availability';
const AVAILABILITY_SPAN = 'koa-health availability';

/** A check span's attributes; tags only when it has some (an empty list says nothing, and costs the SDK a copy). */
function checkAttributes(name: string, critical: boolean, tags: readonly string[]): Attributes {
  const attributes: Attributes = { 'koa_health.check.name': name, 'koa_health.check.critical': critical };
  if (tags.length > 0) attributes['koa_health.check.tags'] = [...tags];
  return attributes;
}

function endCheck(span: Span, result: CheckResult, errorType: string | undefined, endTime: number | undefined): void {
  span.setAttribute('koa_health.check.status', result.status);
  if (!passes(result.status)) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
    // The semantic conventions' error.type: timeout, the error's class, or _OTHER.
    span.setAttribute('error.type', result.message.startsWith('timed out after') ? 'timeout' : (errorType ?? '_OTHER'));
  }
  span.end(endTime);
}

/** The class of what a check threw, for `error.type`: only an `Error` has one; a string or a number is `_OTHER`. */
function classOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
