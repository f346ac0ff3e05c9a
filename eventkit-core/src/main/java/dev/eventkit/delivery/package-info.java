/**
 * How committed events travel from the log to the sinks: the {@link dev.eventkit.delivery.Queue} seam, in-process
 * {@link dev.eventkit.delivery.AsyncQueue}, retry policies and per-sink delivery status.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.delivery;
