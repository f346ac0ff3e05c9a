/**
 * What the pipeline counts, as a small {@link dev.eventkit.metrics.Metrics} interface for metrics libraries to
 * bind, and an in-memory implementation.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.metrics;
