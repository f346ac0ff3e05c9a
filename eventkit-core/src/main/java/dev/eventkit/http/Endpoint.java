package dev.eventkit.http;

import java.util.List;

/**
 * A route that takes no events: health, schema listings, metrics, documentation. Unlike an {@link Input}, an
 * endpoint never appends to the log; the {@link Collector} answers it directly and never adds CORS headers to its
 * answers, since these routes are for operators and tools rather than for pages on other origins.
 *
 * <p>Thread-safety: {@link #handle} is called concurrently from request threads; it must be cheap and must not
 * block on I/O for long. Failure modes: an exception thrown by {@link #handle} is answered with a generic JSON 500
 * (no stack trace, no message) and logged; report expected failures as responses instead ({@link Rejection}).
 */
public interface Endpoint {

  /** The routes this endpoint serves ({@code GET}, {@code HEAD} and {@code OPTIONS} are answered for GET routes). */
  List<Route> routes();

  /** Answers a request that matched one of {@link #routes()}. */
  HttpResponse handle(HttpRequest request, RequestContext context);
}
