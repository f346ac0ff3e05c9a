package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import org.junit.jupiter.api.Test;

/**
 * The client address: the peer by default (forwarding headers ignored unless trusted), the first trusted proxy
 * header that holds a valid IP in the configured order otherwise; the collector's own X-Forwarded-For trust still
 * applies underneath; and a tracker's {@code ip} parameter sets {@code user_ipaddress}, as in Snowplow.
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
  void trustedHeadersWinInTheConfiguredOrderAndInvalidValuesFallThrough() throws Exception {
    SnowplowInput input = SnowplowInput.builder().trustedIpHeaders("CF-Connecting-IP", "X-Real-IP", "X-Forwarded-For",
        "Forwarded").build();
    try (TestCollector c = TestCollector.start(input)) {
      c.get("/i?e=pv&aid=1", "X-Forwarded-For", "203.0.113.1, 10.0.0.1", "CF-Connecting-IP", "198.51.100.9");
      c.get("/i?e=pv&aid=2", "X-Forwarded-For", "203.0.113.1, 10.0.0.1", "X-Real-IP", "not-an-ip");
      c.get("/i?e=pv&aid=3", "Forwarded", "for=\"[2001:DB8::1]:4711\";proto=https, for=10.0.0.1");
      c.get("/i?e=pv&aid=4", "X-Forwarded-For", "unknown, 192.0.2.44:8080");
      c.get("/i?e=pv&aid=5", "X-Real-IP", "300.1.1.1");
      var byApp = c.awaitEvents(5).stream().collect(java.util.stream.Collectors.toMap(
          e -> e.attributes().get("snowplow.app_id"), Envelope::clientIp));
      assertThat(byApp).containsEntry("1", "198.51.100.9").containsEntry("2", "203.0.113.1")
          .containsEntry("3", "2001:db8::1").containsEntry("4", "192.0.2.44").containsEntry("5", "127.0.0.1");
    }
  }

  @Test
  void theCollectorsOwnForwardedTrustIsTheFallback() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), null, b -> b.trustForwardedHeaders(true))) {
      c.get("/i?e=pv", "X-Forwarded-For", "203.0.113.5");
      assertThat(c.awaitEvents(1).get(0).clientIp()).isEqualTo("203.0.113.5");
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

  @Test
  void literalParsing() {
    assertThat(ClientAddress.literal(" 192.0.2.1 ")).isEqualTo("192.0.2.1");
    assertThat(ClientAddress.literal("192.0.2.1:443")).isEqualTo("192.0.2.1");
    assertThat(ClientAddress.literal("[::1]:80")).isEqualTo("::1");
    assertThat(ClientAddress.literal("\"[FE80::1]\"")).isEqualTo("fe80::1");
    assertThat(ClientAddress.literal("256.0.0.1")).isNull();
    assertThat(ClientAddress.literal("example.com")).isNull();
    assertThat(ClientAddress.literal("_hidden")).isNull();
    assertThat(ClientAddress.literal("[::1")).isNull();
  }
}
