/**
 * Destinations: the {@link dev.eventkit.sink.Sink} interface with its per-event outcomes, and the sinks that need
 * nothing but the JDK (files, standard output, memory).
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.sink;
