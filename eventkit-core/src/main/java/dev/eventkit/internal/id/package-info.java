/**
 * Identifiers made on the request path.
 *
 * <p><b>Not API.</b> Public only so that eventkit's own modules can share it; it may change or disappear in any
 * release without notice. Do not use it from outside eventkit.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.internal.id;
