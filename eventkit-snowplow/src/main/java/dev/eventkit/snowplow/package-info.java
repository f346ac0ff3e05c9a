/**
 * The Snowplow tracker protocol input ({@code GET /i}, {@code POST tp2}, custom paths), its bundled schemas and the
 * network user id cookie.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.snowplow;
