/**
 * The standalone collector: every input over the SQLite log with file or Google Cloud sinks, configured from the
 * environment. An application, not a library.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.examples;
