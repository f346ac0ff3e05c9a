/**
 * The CloudEvents 1.0 input: structured, batch and binary modes.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.input.cloudevents;
