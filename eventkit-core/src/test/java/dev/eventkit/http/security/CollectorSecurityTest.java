package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Each protection of the collector over real HTTP: write keys (401, 403 by path and by stream, Segment's Basic
 * auth, Bearer, query keys on pixel paths, the body key of Segment's browser library), rate limits (429), the CORS
 * allow-list, trusted proxies, address truncation in what sinks receive, the admin key and the access log.
 */
class CollectorSecurityTest {

  private static final String KEY = "wk_live_4f9a2c7e1b";
  private static final String SERVER_KEY = "wk_server_88d1e0c3";

  private static WriteKeys keys() {
    return WriteKeys.builder()
        .key("web", KEY, List.of("/collect/*", "/v1/*", "/pixel/*"), List.of("default", "web"))
        .key("server", "sha256:" + WriteKeys.sha256Hex(SERVER_KEY), List.of("/v1/*"), List.of("*"))
        .queryKeyPath("/pixel/*")
        .build();
  }

  @Test
  void withoutAValidKeyTheAnswerIs401AndNothingIsStored() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()))) {
      HttpResponse<String> none = s.post("/collect", SecuredServer.TRACK);
      HttpResponse<String> wrong = s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer wk_guess");
      HttpResponse<String> wrongBasic = s.post("/v1/track", SecuredServer.TRACK, "Authorization",
          SecuredServer.basic("wk_guess"));
      for (HttpResponse<String> r : List.of(none, wrong, wrongBasic)) {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer realm=");
        assertThat(Json.read(r.body()).at("/error/code").asText()).isEqualTo("unauthorized");
        assertThat(r.body()).doesNotContain("wk_guess");
      }
      assertThat(s.appended()).isZero();
      assertThat(s.metrics.get("rejected.unauthorized")).isEqualTo(3);
    }
  }

  @Test
  void aValidKeyNotAllowedOnThePathOrStreamIs403() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()))) {
      HttpResponse<String> path = s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer " + SERVER_KEY);
      HttpResponse<String> stream = s.post("/collect/backoffice", SecuredServer.TRACK, "Authorization",
          "Bearer " + KEY);
      for (HttpResponse<String> r : List.of(path, stream)) {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.read(r.body()).at("/error/code").asText()).isEqualTo("forbidden");
      }
      assertThat(s.appended()).isZero();
      assertThat(s.post("/collect/web", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(202);
      assertThat(s.stored()).extracting(Envelope::stream).containsExactly("web");
    }
  }

  @Test
  void segmentBasicAuthBearerQueryAndBodyKeysAreAcceptedAndNeverStored() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()))) {
      assertThat(s.post("/v1/track", SecuredServer.TRACK, "Authorization", SecuredServer.basic(SERVER_KEY))
          .statusCode()).isEqualTo(200);
      assertThat(s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(202);
      assertThat(s.get("/pixel/open?campaign=spring&writeKey=" + KEY).statusCode()).isEqualTo(200);
      assertThat(s.post("/v1/track", "{\"writeKey\":\"" + KEY + "\",\"event\":\"Viewed\",\"userId\":\"u\"}")
          .statusCode()).isEqualTo(200);
      // A query key is only taken where configured; elsewhere it is neither accepted nor kept.
      assertThat(s.send("POST", "/collect?writeKey=" + KEY, SecuredServer.TRACK).statusCode()).isEqualTo(401);
      List<Envelope> stored = s.stored();
      assertThat(stored).hasSize(4);
      Envelope pixel = stored.stream().filter(e -> e.protocol().equals("pixel")).findFirst().orElseThrow();
      assertThat(pixel.payload().path("campaign").asText()).isEqualTo("spring");
      assertThat(pixel.payload().has("writeKey")).isFalse();
      assertThat(stored).allSatisfy(e -> assertThat(SecuredServer.encoded(e)).doesNotContain(KEY)
          .doesNotContain(SERVER_KEY).doesNotContain(SecuredServer.basic(SERVER_KEY).substring(6)));
    }
  }

  @Test
  void keyRulesSeeThePathAsRoutesDo() throws Exception {
    WriteKeys exact = WriteKeys.builder().key("track", KEY, List.of("/v1/track"), List.of("*")).openPath("/pixel/p")
        .build();
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(exact))) {
      // Extra slashes route to the same place, so they neither widen nor narrow what a rule covers.
      assertThat(s.post("/v1//track/", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(200);
      assertThat(s.get("/pixel//p/").statusCode()).isEqualTo(200);
      assertThat(s.post("/v1/identify/", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(403);
    }
  }

  @Test
  void openPathsNeedNoKey() throws Exception {
    WriteKeys keys = WriteKeys.builder().key(KEY).openPath("/pixel/*").build();
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys))) {
      assertThat(s.get("/pixel/open?e=1").statusCode()).isEqualTo(200);
      assertThat(s.post("/collect", SecuredServer.TRACK).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void aClientOverItsRateIs429WithRetryAfterAndCounted() throws Exception {
    RateLimits limits = RateLimits.builder().perClient(1, Duration.ofHours(1), 3).build();
    try (SecuredServer s = new SecuredServer(b -> b.rateLimits(limits))) {
      for (int i = 0; i < 3; i++) {
        assertThat(s.post("/collect", SecuredServer.TRACK).statusCode()).isEqualTo(202);
      }
      HttpResponse<String> refused = s.post("/collect", SecuredServer.TRACK);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(Json.read(refused.body()).at("/error/code").asText()).isEqualTo("rate_limited");
      long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 3600L);
      assertThat(s.metrics.get("rejected.rate_limited")).isEqualTo(1);
      assertThat(s.stored()).hasSize(3);
    }
  }

  @Test
  void aWriteKeyOverItsRateIs429() throws Exception {
    RateLimits limits = RateLimits.builder().perKey(1, Duration.ofHours(1), 2).build();
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()).rateLimits(limits))) {
      assertThat(s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(202);
      assertThat(s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(202);
      assertThat(s.post("/collect", SecuredServer.TRACK, "Authorization", "Bearer " + KEY).statusCode())
          .isEqualTo(429);
      // Another key has its own budget.
      assertThat(s.post("/v1/track", SecuredServer.TRACK, "Authorization", "Bearer " + SERVER_KEY).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void originsOffTheAllowListGetNoCorsHeadersAnd403() throws Exception {
    CorsPolicy cors = CorsPolicy.allowList(List.of("https://shop.example", "https://*.shop.example"));
    try (SecuredServer s = new SecuredServer(b -> b.cors(cors))) {
      HttpResponse<String> preflight = s.send("OPTIONS", "/collect", null, "Origin", "https://evil.example",
          "Access-Control-Request-Method", "POST");
      assertThat(preflight.statusCode()).isEqualTo(403);
      assertThat(Json.read(preflight.body()).at("/error/code").asText()).isEqualTo("origin_not_allowed");
      assertThat(preflight.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control"));
      for (String origin : List.of("https://evil.example", "https://evilshop.example", "http://shop.example",
          "https://shop.example.evil.example", "null")) {
        HttpResponse<String> r = s.post("/collect", SecuredServer.TRACK, "Origin", origin);
        assertThat(r.statusCode()).as(origin).isEqualTo(403);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(origin).isEmpty();
      }
      assertThat(s.appended()).isZero();

      HttpResponse<String> sub = s.post("/collect", SecuredServer.TRACK, "Origin", "https://www.shop.example");
      assertThat(sub.statusCode()).isEqualTo(202);
      assertThat(sub.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://www.shop.example");
      assertThat(sub.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
      HttpResponse<String> ok = s.send("OPTIONS", "/collect", null, "Origin", "https://shop.example",
          "Access-Control-Request-Method", "POST");
      assertThat(ok.statusCode()).isEqualTo(204);
      assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    }
  }

  @Test
  void aStarOriginIsAnsweredWithoutCredentials() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.cors(CorsPolicy.allowList(List.of("*"))))) {
      HttpResponse<String> r = s.post("/collect", SecuredServer.TRACK, "Origin", "https://any.example");
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
      assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    }
  }

  @Test
  void behindTrustedProxiesTheRightMostUntrustedAddressIsStored() throws Exception {
    ClientAddressPolicy policy = ClientAddressPolicy.builder().trustProxy("127.0.0.1").trustProxy("10.0.0.0/8")
        .trustProxy("2001:db8:ffff::/48").build();
    try (SecuredServer s = new SecuredServer(b -> b.clientAddressPolicy(policy))) {
      s.post("/collect/a", SecuredServer.TRACK, "X-Forwarded-For", "1.1.1.1, 198.51.100.23, 10.1.2.3");
      s.post("/collect/b", SecuredServer.TRACK, "X-Forwarded-For", "2001:DB8::7, 2001:db8:ffff::1");
      s.post("/collect/c", SecuredServer.TRACK, "X-Forwarded-For", "198.51.100.23, <script>");
      s.post("/collect/d", SecuredServer.TRACK, "X-Forwarded-For", "10.9.9.9");
      s.post("/collect/e", SecuredServer.TRACK, "X-Forwarded-For", "0198.51.100.23");
      List<Envelope> stored = s.stored();
      assertThat(stored).extracting(e -> e.stream() + "=" + e.clientIp()).containsExactlyInAnyOrder(
          "a=198.51.100.23", "b=2001:db8::7", "c=127.0.0.1", "d=10.9.9.9", "e=127.0.0.1");
    }
  }

  @Test
  void forwardedHeadersFromAnUntrustedPeerAreIgnored() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.clientAddressPolicy(ClientAddressPolicy.trusting("10.0.0.0/8")))) {
      s.post("/collect", SecuredServer.TRACK, "X-Forwarded-For", "198.51.100.23");
      assertThat(s.stored()).extracting(Envelope::clientIp).containsExactly("127.0.0.1");
    }
  }

  @Test
  void anonymizedAddressesAreWhatTheSinkReceives() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.clientAddressPolicy(ClientAddressPolicy.trusting("127.0.0.1"))
        .ipAnonymizer(IpAnonymizer.standard()))) {
      s.post("/collect/v4", SecuredServer.TRACK, "X-Forwarded-For", "203.0.113.77");
      s.post("/collect/v6", SecuredServer.TRACK, "X-Forwarded-For", "2001:db8:85a3:8d3:1319:8a2e:370:7348");
      s.post("/collect/local", SecuredServer.TRACK);
      List<Envelope> stored = s.stored();
      assertThat(stored).extracting(e -> e.stream() + "=" + e.clientIp()).containsExactlyInAnyOrder(
          "v4=203.0.113.0", "v6=2001:db8:85a3::", "local=127.0.0.0");
      assertThat(stored).allSatisfy(e -> assertThat(SecuredServer.encoded(e)).doesNotContain("203.0.113.77")
          .doesNotContain("7348"));
    }
  }

  @Test
  void credentialHeadersNeverReachInputsAndLongHeaderValuesAreCut() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()))) {
      s.get("/pixel/p?writeKey=" + KEY, "Referer", "https://shop.example/" + "a".repeat(1000),
          "User-Agent", "UA/" + "x".repeat(2000));
      Envelope e = s.stored().get(0);
      assertThat(e.userAgent()).hasSize(1024);
      assertThat(e.attributes().get("referer")).startsWith("https://shop.example/");
      assertThat(SecuredServer.encoded(e)).doesNotContain(KEY);
    }
  }

  @Test
  void endpointsRequireTheAdminKeyWhenOneIsSet() throws Exception {
    WriteKeys admin = WriteKeys.builder().key("admin", "sha256:" + WriteKeys.sha256Hex("adm_5e1f"), List.of("*"),
        List.of("*")).build();
    try (SecuredServer s = new SecuredServer(b -> b.adminKeys(admin))) {
      assertThat(s.get("/health").statusCode()).isEqualTo(401);
      assertThat(s.get("/health", "Authorization", "Bearer nope").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = s.get("/health", "Authorization", "Bearer adm_5e1f");
      assertThat(ok.statusCode()).isEqualTo(200);
      // Inputs are not affected by the admin key.
      assertThat(s.post("/collect", SecuredServer.TRACK).statusCode()).isEqualTo(202);
    }
  }

  @Test
  void theAccessLogWritesOneLinePerRequestWithoutPayloadsKeysOrIds() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()).accessLog(AccessLog.to(lines::add)))) {
      HttpResponse<String> r = s.post("/collect/web", SecuredServer.TRACK, "Authorization", "Bearer " + KEY,
          "X-Request-Id", "req-1", "Cookie", "sp=cookie-user-id");
      s.post("/collect/web", SecuredServer.TRACK, "Authorization", "Bearer wrong");
      s.get("/pixel/p?writeKey=" + KEY + "&uid=user-7");
      assertThat(r.headers().firstValue("X-Request-Id")).hasValue("req-1");
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).matches("request_id=req-1 method=POST route=/collect/\\{stream} status=202 events=1 "
          + "bytes_in=" + SecuredServer.TRACK.length() + " bytes_out=[0-9]+ duration_ms=[0-9]+");
      assertThat(lines.get(1)).contains("status=401 events=0");
      assertThat(lines.get(2)).contains("route=/pixel/{name} status=200 events=1");
      assertThat(String.join("\n", lines)).doesNotContain(KEY).doesNotContain("wrong").doesNotContain("u1")
          .doesNotContain("user-7").doesNotContain("cookie-user-id").doesNotContain("Order")
          .doesNotContain("/collect/web").doesNotContain("127.0.0.1");
    }
  }

  @Test
  void refusalsAreJsonWithTheSameShapeAsOtherErrors() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.writeKeys(keys()))) {
      JsonNode body = Json.read(s.post("/collect", SecuredServer.TRACK).body());
      assertThat(body.path("status").asText()).isEqualTo("rejected");
      assertThat(body.at("/error/message").asText()).isNotEmpty();
    }
  }
}
