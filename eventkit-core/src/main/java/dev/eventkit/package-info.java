/**
 * The entry point: {@link dev.eventkit.Pipeline}, built by {@link dev.eventkit.PipelineBuilder}, takes
 * envelopes, passes them through {@link dev.eventkit.EventInterceptor interceptors} and a validator, appends them to
 * the write-ahead log and delivers them to every sink. Knows nothing of HTTP or tracking protocols.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit;
