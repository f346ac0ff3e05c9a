/**
 * The Segment-compatible input: {@code /collect} and Segment's HTTP tracking API.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.input.segment;
