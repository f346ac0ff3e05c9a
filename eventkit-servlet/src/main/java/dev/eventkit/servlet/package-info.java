/**
 * Jakarta Servlet 6 hosting for a {@link dev.eventkit.http.Collector}: {@link dev.eventkit.servlet.EventkitServlet}
 * serves it from any servlet container, asynchronously.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.servlet;
