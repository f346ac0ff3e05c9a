package dev.eventkit.snowplow;

import dev.eventkit.http.RequestContext;

/**
 * What one request contributes to each of its events: the collector's context, the client address after the
 * input's proxy policy, the network user id from the cookie, whether the tracker asked for anonymity
 * ({@code SP-Anonymous}), the path it arrived on, the stream, and a {@code /r/tp2} redirect target.
 *
 * <p>Immutable and thread-safe.
 *
 * @param context the collector's request context
 * @param clientIp the client address; null when unknown or withheld for anonymity
 * @param cookieUserId the network user id from the cookie (or newly issued); the all-zero id when anonymous; null
 *     when the cookie is disabled
 * @param anonymous whether the request carried {@code SP-Anonymous}
 * @param path the request path
 * @param stream the stream events are recorded in
 * @param redirect the redirect target of a {@code /r/tp2} request, or null
 */
record RequestFacts(RequestContext context, String clientIp, String cookieUserId, boolean anonymous, String path,
    String stream, String redirect) {

  RequestFacts withRedirect(String target) {
    return new RequestFacts(context, clientIp, cookieUserId, anonymous, path, stream, target);
  }
}
