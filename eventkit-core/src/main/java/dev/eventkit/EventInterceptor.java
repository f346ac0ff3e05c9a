package dev.eventkit;

import dev.eventkit.event.Envelope;

/**
 * A hook between parsing and the log: sees every envelope before it is validated and appended, and returns what to
 * append instead — the same envelope, a changed copy ({@link Envelope#toBuilder()}: enrich, redact, route to
 * another stream), or null to drop it.
 *
 * <p>Thread-safety: called concurrently from request threads; must be thread-safe and should be cheap (it runs
 * before the client is answered). Failure modes: an interceptor that throws (anything, {@link Error}s included) is
 * counted ({@code Metrics#interceptorFailed}) and logged by exception class only, and the envelope goes on
 * unchanged, as it was before that interceptor — a throwing hook never fails the request and never loses an event.
 * Dropping is the interceptor's decision: a dropped event is still answered as accepted and is counted
 * ({@code Metrics#dropped}).
 */
@FunctionalInterface
public interface EventInterceptor {

  /** The envelope to append in place of {@code envelope}, or null to drop it. */
  Envelope intercept(Envelope envelope);
}
