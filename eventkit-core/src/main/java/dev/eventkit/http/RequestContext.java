package dev.eventkit.http;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import java.time.Instant;
import java.util.Map;

/**
 * What the collector knows about a request besides the request itself: the matched route and its path
 * parameters, the receive time, and the client's address and agent as resolved by the collector's proxy policy.
 * Immutable and thread-safe.
 *
 * @param route the matched route
 * @param pathParameters values of the route's {@code {name}} segments
 * @param receivedAt when the collector received the request
 * @param clientIp the client's address after the collector's forwarded-header policy; null when unknown
 * @param userAgent the client's {@code User-Agent}; null when absent
 * @param collector the collector's name and version, for envelopes
 */
public record RequestContext(Route route, Map<String, String> pathParameters, Instant receivedAt, String clientIp,
    String userAgent, CollectorInfo collector) {

  /** A path parameter, or {@code fallback} when the route has none of that name. */
  public String pathParameter(String name, String fallback) {
    String v = pathParameters.get(name);
    return v == null ? fallback : v;
  }

  /** An envelope builder with the request's receive time, client address, agent and collector filled in. */
  public Envelope.Builder envelope(String protocol) {
    return Envelope.builder()
        .protocol(protocol)
        .receivedAt(receivedAt)
        .clientIp(clientIp)
        .userAgent(userAgent)
        .collector(collector);
  }
}
