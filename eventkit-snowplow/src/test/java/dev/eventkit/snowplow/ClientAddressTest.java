package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.http.security.ClientAddressPolicy;
import dev.eventkit.http.security.IpAnonymizer;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The client address of Snowplow events is the collector's, by its one {@link ClientAddressPolicy}: the peer by
 * default (forwarding headers ignored), behind trusted proxies the right-most address that is not a trusted proxy,
 * and the peer again when that entry is not a valid IP; truncated when the collector anonymizes. A tracker's
 * {@code ip} parameter sets {@code user_ipaddress}, as in Snowplow.
 */
class ClientAddressTest {

  @Test
  void untrustedHeadersAreIgnored() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=pv", "X-Forwarded-For", "203.0.113.1", "X-Real-IP", "203.0.113.2");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.clientIp()).isEqualTo("127.0.0.1");
      assertThat(e.attributes()).containsEntry("snowplow.user_ipaddress", "127.0.0.1");
    }
  }

  @Test
  void behindTrustedProxiesTheRightMostUntrustedAddressCounts() throws Exception {
    ClientAddressPolicy policy = ClientAddressPolicy.builder().trustProxy("127.0.0.0/8").trustProxy("10.0.0.0/8")
        .build();
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), null, b -> b.clientAddressPolicy(policy))) {
      c.get("/i?e=pv&aid=1", "X-Forwarded-For", "203.0.113.1, 198.51.100.9, 10.0.0.1");
      c.get("/i?e=pv&aid=2", "X-Forwarded-For", "<script>alert(1)</script>");
      c.get("/i?e=pv&aid=3", "X-Forwarded-For", "unknown, 192.0.2.44:8080");
      c.get("/i?e=pv&aid=4", "X-Forwarded-For", "2001:DB8:0:0::1");
      Map<String, String> byApp = c.awaitEvents(4).stream().collect(Collectors.toMap(
          e -> e.attributes().get("snowplow.app_id"), Envelope::clientIp));
      assertThat(byApp).containsEntry("1", "198.51.100.9").containsEntry("2", "127.0.0.1")
          .containsEntry("3", "192.0.2.44").containsEntry("4", "2001:db8::1");
    }
  }

  @Test
  void theForwardedHeaderWhenConfigured() throws Exception {
    ClientAddressPolicy policy = ClientAddressPolicy.builder().trustProxy("127.0.0.1").header("Forwarded").build();
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), null, b -> b.clientAddressPolicy(policy))) {
      c.get("/i?e=pv", "Forwarded", "for=\"[2001:DB8::1]:4711\";proto=https", "X-Forwarded-For", "203.0.113.1");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.clientIp()).isEqualTo("2001:db8::1");
      assertThat(e.attributes()).containsEntry("snowplow.user_ipaddress", "2001:db8::1");
    }
  }

  @Test
  void anonymizedAddressesReachTheEnvelopeAndTheAttribute() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), null, b -> b
        .clientAddressPolicy(ClientAddressPolicy.trusting("127.0.0.1")).ipAnonymizer(IpAnonymizer.standard()))) {
      c.get("/i?e=pv", "X-Forwarded-For", "198.51.100.77");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.clientIp()).isEqualTo("198.51.100.0");
      assertThat(e.attributes()).containsEntry("snowplow.user_ipaddress", "198.51.100.0");
    }
  }

  @Test
  void theTrackersIpParameterSetsUserIpAddress() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=pv&ip=192.0.2.200");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.clientIp()).isEqualTo("127.0.0.1");
      assertThat(e.attributes()).containsEntry("snowplow.user_ipaddress", "192.0.2.200");
    }
  }
}
