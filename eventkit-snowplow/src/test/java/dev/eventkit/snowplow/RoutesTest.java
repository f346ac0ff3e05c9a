package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.ValidationError;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The routes beyond the two main ones: GET on tp2, custom {@code /{vendor}/{version}} paths, the {@code /r/tp2}
 * redirect (only when enabled, only to allowed hosts), CORS as browser trackers need it, and query-string
 * parameters on a POST.
 */
class RoutesTest {

  @Test
  void getOnTp2IsAPixelToo() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> r = c.get(SnowplowInput.TP2_PATH + "?e=pv&p=web");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("image/gif");
      assertThat(c.awaitEvents(1).get(0).attributes()).containsEntry("snowplow.path", SnowplowInput.TP2_PATH);
    }
  }

  @Test
  void customVendorPathsTakeGetAndPost() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      assertThat(c.get("/com.acme/track?e=se&se_ca=a&se_ac=b").statusCode()).isEqualTo(200);
      HttpResponse<byte[]> post = c.post("/com.acme/v1", ProtocolViolationTest.tp2(ProtocolViolationTest.GOOD_ITEM));
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(Json.read(new String(post.body(), StandardCharsets.UTF_8)).path("accepted").asInt()).isEqualTo(1);
      assertThat(c.awaitEvents(2)).extracting(e -> e.attributes().get("snowplow.path"))
          .containsExactlyInAnyOrder("/com.acme/track", "/com.acme/v1");
    }
  }

  @Test
  void customPathsNeedAReverseDnsVendorAndCanBeTurnedOff() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      assertThat(c.get("/api/v2?e=pv").statusCode()).isEqualTo(404);
      assertThat(c.get("/r/tp2?e=pv&u=https%3A%2F%2Fa.example%2F").statusCode()).as("redirects are off").isEqualTo(404);
    }
    try (TestCollector c = TestCollector.start(SnowplowInput.builder().customPaths(false).build())) {
      assertThat(c.get("/com.acme/track?e=pv").statusCode()).isEqualTo(404);
      assertThat(c.get("/i?e=pv").statusCode()).isEqualTo(200);
      c.awaitEvents(1);
      c.drain();
      assertThat(c.events.envelopes()).hasSize(1);
      assertThat(c.invalid.envelopes()).isEmpty();
    }
  }

  @Test
  void redirectToAnAllowedHostRecordsAUriRedirectEvent() throws Exception {
    SnowplowInput input = SnowplowInput.builder().redirectHosts("shop.example.com", "*.partner.example").build();
    try (TestCollector c = TestCollector.start(input)) {
      String target = "https://shop.example.com/deal?id=7";
      HttpResponse<byte[]> r = c.get("/r/tp2?u=" + URLEncoder.encode(target, StandardCharsets.UTF_8) + "&aid=mail");
      assertThat(r.statusCode()).isEqualTo(302);
      assertThat(r.headers().firstValue("Location")).hasValue(target);
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.schema()).isEqualTo(SnowplowSchemas.URI_REDIRECT);
      assertThat(e.payload()).isEqualTo(Json.read("{\"uri\": \"" + target + "\"}"));
      assertThat(e.attributes()).containsEntry("snowplow.eventType", "unstruct")
          .containsEntry("snowplow.redirect", target).containsEntry("snowplow.app_id", "mail")
          .doesNotContainKey("snowplow.param.u");

      // With its own event, the redirect records that event instead.
      HttpResponse<byte[]> withEvent = c.get("/r/tp2?e=se&se_ca=email&se_ac=click&u="
          + URLEncoder.encode("http://a.partner.example/x", StandardCharsets.UTF_8));
      assertThat(withEvent.statusCode()).isEqualTo(302);
      assertThat(withEvent.headers().firstValue("Location")).hasValue("http://a.partner.example/x");
      assertThat(c.awaitEvents(2).get(1).schema()).isEqualTo(SnowplowSchemas.STRUCTURED);
    }
  }

  @Test
  void redirectElsewhereIsRefusedAndKept() throws Exception {
    SnowplowInput input = SnowplowInput.builder().redirectHosts("shop.example.com", "*.partner.example").build();
    try (TestCollector c = TestCollector.start(input)) {
      List<String> targets = List.of("https://evil.example/", "https://shop.example.com.evil.example/",
          "javascript:alert(1)", "//shop.example.com/", "https://partner.example/", "not a url");
      for (String t : targets) {
        HttpResponse<byte[]> r = c.get("/r/tp2?u=" + URLEncoder.encode(t, StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(t).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).as(t).isEmpty();
      }
      assertThat(c.get("/r/tp2?e=pv").statusCode()).as("no target").isEqualTo(400);
      List<Envelope> failed = c.awaitInvalid(targets.size() + 1);
      assertThat(failed).allSatisfy(e -> {
        assertThat(e.validation().error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
        assertThat(e.validation().violations()).extracting(v -> v.keyword()).containsExactly("u");
      });
      c.drain();
      assertThat(c.events.envelopes()).isEmpty();
    }
  }

  @Test
  void corsPreflightAndResponsesFitBrowserTrackers() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> preflight = c.send(HttpRequest.newBuilder(c.base.resolve(SnowplowInput.TP2_PATH))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody()), "Origin", "https://www.shop.example",
          "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,sp-anonymous");
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://www.shop.example");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
          .contains("content-type", "sp-anonymous");

      // The JS tracker posts with credentials, so the answer echoes the origin (never '*') and sets the cookie.
      HttpResponse<byte[]> post = c.post(SnowplowInput.TP2_PATH,
          ProtocolViolationTest.tp2(ProtocolViolationTest.GOOD_ITEM), "Origin", "https://www.shop.example");
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(post.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://www.shop.example");
      assertThat(post.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
      assertThat(post.headers().firstValue("Set-Cookie")).isPresent();
    }
  }

  @Test
  void queryParametersOfAPostApplyToEveryEventAndWin() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      String body = ProtocolViolationTest.tp2("{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"aid\":\"body\"}",
          "{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\"}");
      assertThat(c.post(SnowplowInput.TP2_PATH + "?aid=query", body).statusCode()).isEqualTo(200);
      assertThat(c.awaitEvents(2)).allSatisfy(e -> assertThat(e.attributes()).containsEntry("snowplow.app_id",
          "query"));
    }
  }

  @Test
  void anyContentTypeIsReadByItsBody() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      String body = ProtocolViolationTest.tp2(ProtocolViolationTest.GOOD_ITEM);
      assertThat(c.post(SnowplowInput.TP2_PATH, body, "Content-Type", "text/plain;charset=UTF-8").statusCode())
          .isEqualTo(200);
      assertThat(c.post(SnowplowInput.TP2_PATH, body, "Content-Type", "application/x-www-form-urlencoded")
          .statusCode()).isEqualTo(200);
      c.awaitEvents(2);
    }
  }

  @Test
  void builderRefusesBadSettings() {
    assertThatThrownBy(() -> SnowplowInput.builder().stream("bad stream").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stream");
    assertThatThrownBy(() -> SnowplowInput.builder().redirectHosts("https://a.example").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redirect host");
    assertThat(SnowplowInput.builder().stream("web").build().routes()).extracting(Object::toString)
        .containsExactlyInAnyOrder("GET /i", "GET " + SnowplowInput.TP2_PATH, "POST " + SnowplowInput.TP2_PATH,
            "GET /{vendor}/{version}", "POST /{vendor}/{version}");
  }

  @Test
  void eventsGoToTheConfiguredStream() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.builder().stream("web").build())) {
      c.get("/i?e=pv");
      c.get("/i?e=nope");
      assertThat(c.awaitEvents(1).get(0).stream()).isEqualTo("web");
      assertThat(c.awaitInvalid(1).get(0).stream()).isEqualTo("web");
    }
  }
}
