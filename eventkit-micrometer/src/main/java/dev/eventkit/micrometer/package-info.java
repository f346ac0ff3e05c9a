/**
 * Micrometer binding for eventkit: {@link dev.eventkit.micrometer.MicrometerMetrics} turns the pipeline's
 * {@link dev.eventkit.metrics.Metrics} calls into counters, {@link dev.eventkit.micrometer.PipelineMeterBinder}
 * registers gauges read from {@link dev.eventkit.Pipeline#status()}, and
 * {@link dev.eventkit.micrometer.PrometheusEndpoint} serves a Prometheus scrape as a collector route.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.micrometer;
