/**
 * The pixel input: query parameters to an event, answered with a 1×1 GIF.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.input.pixel;
