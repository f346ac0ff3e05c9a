package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.event.Envelope;
import dev.eventkit.http.security.ClientAddressPolicy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The network user id cookie: issued when absent, read back and refreshed when present, configurable (name,
 * domain, TTL, SameSite, Secure, HttpOnly), off when disabled, and withheld — with the IP — when the tracker asks
 * for anonymity through {@code SP-Anonymous}.
 */
class NetworkUserIdCookieTest {

  static final String UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  @Test
  void issuesACookieWithSnowplowDefaultsAndRecordsItsId() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> r = c.get("/i?e=pv&p=web");
      String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(setCookie).matches("sp=" + UUID_RE + "; Expires=\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"
          + "; Max-Age=31536000; Path=/; SameSite=None; Secure; HttpOnly");
      String id = setCookie.substring(3, 39);
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.attributes()).containsEntry("snowplow.network_userid", id);
    }
  }

  @Test
  void readsAndRefreshesAnExistingCookieOnGetAndPost() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      String id = "7d3c1f6e-2b9a-4c8d-8e1f-0a2b3c4d5e6f";
      HttpResponse<byte[]> get = c.get("/i?e=pv&p=web", "Cookie", "other=1; sp=" + id + "; x=y");
      HttpResponse<byte[]> post = c.post(SnowplowInput.TP2_PATH,
          ProtocolViolationTest.tp2(ProtocolViolationTest.GOOD_ITEM), "Cookie", "sp=" + id);
      assertThat(get.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("sp=" + id + ";");
      assertThat(post.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("sp=" + id + ";");
      assertThat(c.awaitEvents(2))
          .allSatisfy(e -> assertThat(e.attributes()).containsEntry("snowplow.network_userid", id));
    }
  }

  @Test
  void aCookieValueThatCouldInjectHeadersIsReplaced() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> r = c.get("/i?e=pv", "Cookie", "sp=\"a b,c\"");
      assertThat(r.headers().firstValue("Set-Cookie").orElseThrow()).matches("sp=" + UUID_RE + ";.*");
    }
  }

  @Test
  void trackerOverridesWinButTheCookieStillFollowsTheRecordedId() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> r = c.get("/i?e=pv&tnuid=server-side-7", "Cookie", "sp=cookie-1");
      assertThat(c.awaitEvents(1).get(0).attributes()).containsEntry("snowplow.network_userid", "server-side-7");
      assertThat(r.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("sp=server-side-7;");
    }
  }

  @Test
  void everyAttributeIsConfigurable() throws Exception {
    NetworkUserIdCookie cookie = NetworkUserIdCookie.builder().name("nuid").domain(".example.com")
        .ttl(Duration.ofDays(30)).sameSite(NetworkUserIdCookie.SameSite.LAX).secure(false).httpOnly(false)
        .path("/collect").build();
    try (TestCollector c = TestCollector.start(SnowplowInput.builder().cookie(cookie).build())) {
      String setCookie = c.get("/i?e=pv", "Cookie", "nuid=abc-1").headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(setCookie).startsWith("nuid=abc-1; Expires=").contains("; Max-Age=2592000; Path=/collect; "
          + "Domain=.example.com; SameSite=Lax").doesNotContain("Secure", "HttpOnly");
    }
  }

  @Test
  void disabledMeansNoCookieAndNoNetworkUserIdUnlessTheTrackerSendsOne() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.builder().cookie(NetworkUserIdCookie.disabled())
        .build())) {
      HttpResponse<byte[]> plain = c.get("/i?e=pv", "Cookie", "sp=abc");
      HttpResponse<byte[]> withTnuid = c.get("/i?e=pv&tnuid=t-1");
      assertThat(plain.headers().firstValue("Set-Cookie")).isEmpty();
      assertThat(withTnuid.headers().firstValue("Set-Cookie")).isEmpty();
      List<Envelope> events = c.awaitEvents(2);
      assertThat(events).filteredOn(e -> e.attributes().containsKey("snowplow.network_userid"))
          .singleElement().satisfies(e -> assertThat(e.attributes()).containsEntry("snowplow.network_userid", "t-1"));
    }
  }

  @Test
  void anonymousRequestsGetNoCookieNoIpAndTheZeroId() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), null,
        b -> b.clientAddressPolicy(ClientAddressPolicy.builder().trustProxy("127.0.0.1").header("X-Real-IP")
            .build()))) {
      HttpResponse<byte[]> r = c.get("/i?e=pv", "SP-Anonymous", "*", "Cookie", "sp=known-user",
          "X-Real-IP", "198.51.100.7");
      assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.clientIp()).isNull();
      assertThat(e.attributes())
          .containsEntry("snowplow.network_userid", "00000000-0000-0000-0000-000000000000")
          .containsEntry("snowplow.anonymous", "true")
          .doesNotContainKey("snowplow.user_ipaddress");
    }
  }

  @Test
  void builderRefusesUnusableSettings() {
    assertThatThrownBy(() -> NetworkUserIdCookie.builder().secure(false).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SameSite=None requires Secure");
    assertThatThrownBy(() -> NetworkUserIdCookie.builder().name("s p").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> NetworkUserIdCookie.builder().domain("exa mple.com").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("domain");
    assertThatThrownBy(() -> NetworkUserIdCookie.builder().ttl(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
    assertThatThrownBy(() -> NetworkUserIdCookie.builder().path("/a;b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    assertThat(NetworkUserIdCookie.disabled().enabled()).isFalse();
    assertThat(NetworkUserIdCookie.defaults().name()).isEqualTo("sp");
  }

  @Test
  void theExpiryDateFollowsTheAnswersSecond() {
    NetworkUserIdCookie cookie = NetworkUserIdCookie.builder().ttl(Duration.ofDays(1)).build();
    java.time.Instant t = java.time.Instant.parse("2026-11-30T10:15:30.250Z");
    String first = cookie.setCookie("v", t);
    assertThat(first).contains("; Expires=Tue, 01 Dec 2026 10:15:30 GMT;");
    assertThat(cookie.setCookie("v", t.plusMillis(700))).isEqualTo(first);
    assertThat(cookie.setCookie("v", t.plusMillis(750))).contains("; Expires=Tue, 01 Dec 2026 10:15:31 GMT;");
    assertThat(cookie.setCookie("v", t)).isEqualTo(first);
  }
}
