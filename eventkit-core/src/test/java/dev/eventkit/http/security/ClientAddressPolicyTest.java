package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The client-address rule: trusted peers only, right-most untrusted entry, only valid literals, else the peer. */
class ClientAddressPolicyTest {

  private static final ClientAddressPolicy POLICY = ClientAddressPolicy.builder().trustProxy("10.0.0.0/8")
      .trustProxy("fd00::/8").trustProxy("192.0.2.7").build();

  private static String resolve(ClientAddressPolicy p, String peer, String... headers) {
    Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < headers.length; i += 2) {
      h.computeIfAbsent(headers[i], k -> new java.util.ArrayList<>()).add(headers[i + 1]);
    }
    return p.resolve(peer, h::get);
  }

  @Test
  void thePeerStandsUnlessItIsATrustedProxy() {
    assertThat(resolve(ClientAddressPolicy.peerOnly(), "198.51.100.1", "X-Forwarded-For", "203.0.113.9"))
        .isEqualTo("198.51.100.1");
    assertThat(resolve(POLICY, "198.51.100.1", "X-Forwarded-For", "203.0.113.9")).isEqualTo("198.51.100.1");
    assertThat(resolve(POLICY, "10.0.0.2")).isEqualTo("10.0.0.2");
    assertThat(resolve(POLICY, "0:0:0:0:0:0:0:1%lo")).isEqualTo("::1");
    assertThat(resolve(POLICY, "not-an-address")).isNull();
  }

  @Test
  void theRightMostUntrustedEntryIsTheClient() {
    assertThat(resolve(POLICY, "10.0.0.2", "X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.3.3.3"))
        .isEqualTo("203.0.113.9");
    // Several header lines are one list, in order.
    assertThat(resolve(POLICY, "10.0.0.2", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "203.0.113.9:4431"))
        .isEqualTo("203.0.113.9");
    assertThat(resolve(POLICY, "fd12::1", "X-Forwarded-For", "[2001:db8::5]:443, fd00::9"))
        .isEqualTo("2001:db8::5");
    assertThat(resolve(POLICY, "10.0.0.2", "X-Forwarded-For", "10.7.7.7, 192.0.2.7")).isEqualTo("10.7.7.7");
    assertThat(resolve(POLICY, "::ffff:10.0.0.2", "X-Forwarded-For", "::ffff:203.0.113.9"))
        .isEqualTo("203.0.113.9");
  }

  @Test
  void anEntryThatIsNoLiteralYieldsThePeer() {
    for (String bad : List.of("<script>alert(1)</script>", "unknown", "example.com", "203.0.113.9.", "",
        "203.0.113.9:http", "[2001:db8::1", "1.2.3.4, evil")) {
      assertThat(resolve(POLICY, "10.0.0.2", "X-Forwarded-For", bad)).as(bad).isEqualTo("10.0.0.2");
    }
  }

  @Test
  void rfc7239ForwardedWhenConfigured() {
    ClientAddressPolicy p = ClientAddressPolicy.builder().trustProxy("10.0.0.0/8").header("forwarded").build();
    assertThat(resolve(p, "10.0.0.2", "Forwarded", "for=6.6.6.6, for=\"[2001:DB8:cafe::17]:4711\";proto=https, "
        + "for=10.1.1.1;by=10.0.0.2", "X-Forwarded-For", "7.7.7.7")).isEqualTo("2001:db8:cafe::17");
    assertThat(resolve(p, "10.0.0.2", "Forwarded", "for=_hidden")).isEqualTo("10.0.0.2");
    assertThat(resolve(p, "10.0.0.2", "Forwarded", "proto=https")).isEqualTo("10.0.0.2");
  }

  @Test
  void aSingleAddressHeader() {
    ClientAddressPolicy p = ClientAddressPolicy.builder().trustProxy("10.0.0.0/8").header("X-Real-IP").build();
    assertThat(resolve(p, "10.0.0.2", "X-Real-IP", "203.0.113.9", "X-Forwarded-For", "6.6.6.6"))
        .isEqualTo("203.0.113.9");
  }

  @Test
  void badRangesAreRefusedAtConfiguration() {
    for (String bad : List.of("10.0.0.0/33", "proxy.internal", "10.0.0.0/x", "::/129", "10.0.0.0/")) {
      assertThatThrownBy(() -> ClientAddressPolicy.trusting(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(IpRange.parse("::ffff:10.0.0.0/104").contains(IpLiteral.parse("10.9.9.9"))).isTrue();
  }
}
