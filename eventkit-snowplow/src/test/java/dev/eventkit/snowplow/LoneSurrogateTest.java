package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Text that is not well-formed Unicode — a lone UTF-16 surrogate, which JSON can spell as {@code "\ud83d"} and
 * which a browser emits when it cuts a title in the middle of an emoji — is kept with U+FFFD in its place, since
 * UTF-8 (and so the log) cannot hold it. The event is neither refused nor lost.
 */
class LoneSurrogateTest {

  @Test
  void loneSurrogatesInParametersAndNestedJsonBecomeReplacementCharacters() throws Exception {
    String ue = "{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\\\","
        + "\\\"data\\\":{\\\"schema\\\":\\\"iglu:com.acme/e/jsonschema/1-0-0\\\",\\\"data\\\":{\\\"t\\\":"
        + "\\\"x\\\\ud83d\\\",\\\"\\\\udc00k\\\":1}}}";
    String body = ProtocolViolationTest.tp2("{\"e\":\"ue\",\"tv\":\"t\",\"p\":\"web\",\"page\":\"Caf\\ud83d\","
        + "\"x\\udc00\":\"v\",\"ue_pr\":\"" + ue + "\"}");
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      assertThat(c.post(SnowplowInput.TP2_PATH, body).statusCode()).isEqualTo(200);
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.attributes()).containsEntry("snowplow.page_title", "Caf\uFFFD")
          .containsEntry("snowplow.param.x\uFFFD", "v");
      assertThat(e.payload()).isEqualTo(Json.read("{\"t\": \"x\uFFFD\", \"\uFFFDk\": 1}"));
    }
  }

  @Test
  void aFailedEventWithLoneSurrogatesIsKeptToo() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      String body = ProtocolViolationTest.tp2("{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"aid\":[\"\\ud800\"]}");
      assertThat(c.post(SnowplowInput.TP2_PATH, body).statusCode()).isEqualTo(400);
      assertThat(c.post(SnowplowInput.TP2_PATH, "{\"schema\":\"\\ud800\",\"data\":[]}").statusCode())
          .isEqualTo(400);
      List<Envelope> failed = c.awaitInvalid(2);
      assertThat(failed.get(0).payload().path("parameters").path("aid").get(0).asText()).isEqualTo("\uFFFD");
      assertThat(failed.get(1).payload().path("raw").asText()).isEqualTo("{\"schema\":\"\\ud800\",\"data\":[]}");
    }
  }

  @Test
  void inProcessHostsThatPassBrokenTextAreCoveredToo() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      var r = c.collector.handle(dev.eventkit.http.HttpRequest.builder("GET", "/i")
          .rawQuery("e=pv&page=" + URLEncoder.encode("T", StandardCharsets.UTF_8) + "\ud83d&x\udc00=1")
          .header("User-Agent", "UA\ud800").remoteAddress("127.0.0.1").build()).join();
      assertThat(r.status()).isEqualTo(200);
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.attributes()).containsEntry("snowplow.page_title", "T\uFFFD")
          .containsEntry("snowplow.param.x\uFFFD", "1").containsEntry("snowplow.useragent", "UA\uFFFD");
      assertThat(e.userAgent()).isEqualTo("UA\uFFFD");
    }
  }
}
