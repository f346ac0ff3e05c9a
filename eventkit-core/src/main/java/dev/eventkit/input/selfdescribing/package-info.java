/**
 * The self-describing JSON input ({@code {"schema","data","contexts"}}).
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.input.selfdescribing;
