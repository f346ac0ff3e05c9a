package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A tracker request cannot make one event larger than the size cap by volume outside the payload: query parameters
 * are counted, the user agent is cut, and parameters kept as attributes count toward the cap.
 */
class RequestLimitsTest {

  static SchemaValidator validator() {
    return SchemaValidator.create(SchemaRegistry.builder().source(SnowplowSchemas.source()).build());
  }

  @Test
  void tenThousandQueryParametersAreAJson400NotAPixel() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
      StringBuilder q = new StringBuilder("e=pv");
      for (int i = 0; i < 10_000; i++) {
        q.append("&x").append(i).append("=").append("v".repeat(20));
      }
      HttpResponse r = c.collector.handle(HttpRequest.builder("GET", SnowplowInput.PIXEL_PATH).rawQuery(q.toString())
          .remoteAddress("127.0.0.1").build()).join();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(Json.read(r.bodyText()).path("error").path("code").asText()).isEqualTo("too_many_parameters");
      assertThat(c.pipeline.status().accepted()).isZero();
    }
  }

  @Test
  void aHugeUserAgentIsCutAndMarkedInTheCanonicalFieldToo() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
      String agent = "Mozilla/5.0 " + "x".repeat(100_000);
      HttpResponse r = c.collector.handle(HttpRequest.builder("GET", SnowplowInput.PIXEL_PATH)
          .rawQuery("e=pv&url=https%3A%2F%2Fa.example%2F").header("User-Agent", agent).remoteAddress("127.0.0.1")
          .build()).join();
      assertThat(r.status()).isEqualTo(200);
      Envelope e = c.awaitEvents(1).get(0);
      // Lengths first, so that a failure does not print 100 KB.
      assertThat(e.userAgent().length()).isEqualTo(1024);
      assertThat(e.attributes().get("snowplow.useragent").length()).isEqualTo(1024);
      assertThat(agent).startsWith(e.userAgent());
      assertThat(e.attributes().get("snowplow.useragent")).isEqualTo(e.userAgent());
      assertThat(e.attributes()).containsEntry("eventkit.truncated", "userAgent");
    }
  }

  @Test
  void parametersKeptAsAttributesCountTowardTheSizeCap() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
      // One event of 3,000 custom parameters: about 300 KB of attributes beside an empty payload.
      ObjectNode event = JsonNodeFactory.instance.objectNode().put("e", "pv").put("tv", "t").put("p", "web");
      for (int i = 0; i < 3_000; i++) {
        event.put("custom_" + i, "v".repeat(90));
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode()
          .put("schema", "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");
      body.putArray("data").add(event);
      var response = c.post(SnowplowInput.TP2_PATH, Json.write(body).getBytes(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).isEqualTo(200);
      Envelope stored = c.awaitInvalid(1).get(0);
      assertThat(stored.validation().error()).isEqualTo(ValidationError.SIZE_VIOLATION);
      c.drain();
      assertThat(c.events.envelopes()).isEmpty();
    }
  }
}
