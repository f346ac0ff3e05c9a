/**
 * Internals shared by the Google Cloud components; not a public API, may change without notice.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.gcp.internal;
