/**
 * Telemetry: each integration a listener on the bus (or an instrumentation of the engine), in a file and a
 * subpath export of its own, on the field's own client as an optional peer dependency, so that an app
 * installs only what it uses: `koa-health/prometheus` (prom-client), `koa-health/statsd` (hot-shots),
 * `koa-health/tracing` (@opentelemetry/api). This file imports none of them; it only gathers their types.
 * @module
 */
export type { MetricsHandle, PrometheusOptions } from './prometheus.js';
export type { ReporterHandle, StatsdClient, StatsdOptions } from './statsd.js';
export type { SpanFilterOptions, TracingHandle, TracingOptions } from './tracing.js';
