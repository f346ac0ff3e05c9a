package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Only strict literals parse; the canonical form is one per address (RFC 5952, IPv4-mapped as IPv4). */
class IpLiteralTest {

  @Test
  void canonicalForms() {
    assertThat(IpLiteral.canonical("192.0.2.1")).isEqualTo("192.0.2.1");
    assertThat(IpLiteral.canonical("0.0.0.0")).isEqualTo("0.0.0.0");
    assertThat(IpLiteral.canonical("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
    assertThat(IpLiteral.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
    assertThat(IpLiteral.canonical("2001:0db8:0000:0001:0000:0000:0000:0000")).isEqualTo("2001:db8:0:1::");
    assertThat(IpLiteral.canonical("::")).isEqualTo("::");
    assertThat(IpLiteral.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
    assertThat(IpLiteral.canonical("1:0:2:3:4:5:6:7")).isEqualTo("1:0:2:3:4:5:6:7");
    assertThat(IpLiteral.canonical("::ffff:192.0.2.9")).isEqualTo("192.0.2.9");
    assertThat(IpLiteral.canonical("::FFFF:c000:0209")).isEqualTo("192.0.2.9");
    assertThat(IpLiteral.canonical("64:ff9b::192.0.2.33")).isEqualTo("64:ff9b::c000:221");
  }

  @Test
  void everythingElseIsRefused() {
    for (String bad : new String[] {null, "", " 192.0.2.1", "192.0.2.1 ", "192.0.2", "192.0.2.1.5", "256.0.0.1",
        "01.2.3.4", "1.2.3.04", "127.1", "0x7f.0.0.1", "1.2.3.-4", "+1.2.3.4", "١.٢.٣.٤", "localhost",
        "example.com", "unknown", "_hidden", "<script>", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1:::2",
        "12345::", "g::1", "fe80::1%eth0", "[::1]", "::1.2.3", "1.2.3.4::", "2001:db8::１", "1:2:3:4:5:6:7:8:1.2.3.4",
        "a".repeat(100)}) {
      assertThat(IpLiteral.parse(bad)).as(String.valueOf(bad)).isNull();
    }
  }
}
