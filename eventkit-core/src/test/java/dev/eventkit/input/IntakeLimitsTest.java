package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.internal.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a request can make the collector store is bounded: query parameters are counted, long header values are cut
 * (and the cut recorded), and the event size cap counts everything an envelope stores, not only its payload.
 */
class IntakeLimitsTest {

  private static final String SD = "{\"schema\":\"iglu:com.acme/user/jsonschema/1-0-0\",\"data\":{\"id\":\"u\"}}";

  private TestCollector server;

  @BeforeEach
  void start() {
    server = new TestCollector(SelfDescribingInput.create(), CloudEventsInput.create(), PixelInput.create());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String manyParameters(int n) {
    StringBuilder q = new StringBuilder();
    for (int i = 0; i < n; i++) {
      q.append(i == 0 ? "" : "&").append("p").append(i).append("=v");
    }
    return q.toString();
  }

  @Test
  void tenThousandQueryParametersAreA400AndNothingIsStored() {
    HttpResponse r = server.handle("POST", "/sd", manyParameters(10_000), Map.of("Content-Type", "application/json"),
        TestCollector.utf8(SD));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(Json.read(r.bodyText()).path("error").path("code").asText()).isEqualTo("too_many_parameters");
    HttpResponse pixel = server.handle("GET", "/pixel/open", manyParameters(10_000), Map.of(), new byte[0]);
    assertThat(pixel.status()).isEqualTo(400);
    assertThat(pixel.header("Content-Type")).isEqualTo("application/json");
    assertThat(server.pipeline.status().accepted()).isZero();
    // A query of ordinary size is fine.
    assertThat(server.handle("POST", "/sd", manyParameters(50), Map.of("Content-Type", "application/json"),
        TestCollector.utf8(SD)).status()).isEqualTo(202);
  }

  @Test
  void aHugeUserAgentIsCutTo1KiBAndTheCutIsRecorded() throws Exception {
    String agent = "Mozilla/5.0 " + "x".repeat(100_000);
    HttpResponse r = server.handle("POST", "/sd", null, Map.of("Content-Type", "application/json",
        "User-Agent", agent), TestCollector.utf8(SD));
    assertThat(r.status()).isEqualTo(202);
    Envelope e = server.flushValid().get(0);
    // Lengths first, so that a failure does not print 100 KB.
    assertThat(e.userAgent().length()).isEqualTo(1024);
    assertThat(agent).startsWith(e.userAgent());
    assertThat(e.attributes()).containsEntry("eventkit.truncated", "userAgent");
    assertThat(EnvelopeCodec.encode(e).length).isLessThan(4096);
  }

  @Test
  void aShortUserAgentIsKeptWholeAndUnmarked() throws Exception {
    server.handle("POST", "/sd", null, Map.of("Content-Type", "application/json", "User-Agent", "agent/1"),
        TestCollector.utf8(SD));
    Envelope e = server.flushValid().get(0);
    assertThat(e.userAgent()).isEqualTo("agent/1");
    assertThat(e.attributes()).doesNotContainKey("eventkit.truncated");
  }

  @Test
  void aPixelsHugeRefererIsCutNotDroppedAndBothCutsAreRecorded() throws Exception {
    String referer = "https://mail.example/" + "r".repeat(100_000);
    HttpResponse r = server.handle("GET", "/pixel/open", "c=1", Map.of("Referer", referer,
        "User-Agent", "u".repeat(5000)), new byte[0]);
    assertThat(r.status()).isEqualTo(200);
    Envelope e = server.flushValid().get(0);
    String kept = e.attributes().get("referer");
    assertThat(kept).as("the referer is kept").isNotNull();
    assertThat(kept.length()).isEqualTo(2048);
    assertThat(referer).startsWith(kept);
    assertThat(e.attributes()).containsEntry("eventkit.truncated", "referer,userAgent");
  }

  @Test
  void aHugeForwardedClientAddressIsNeverStored() throws Exception {
    Collector trusting = Collector.builder(server.pipeline).input(SelfDescribingInput.create())
        .clientAddressPolicy(dev.eventkit.http.security.ClientAddressPolicy.trusting("0.0.0.0/0")).build();
    HttpResponse r = trusting.handle(HttpRequest.builder("POST", "/sd").header("Content-Type", "application/json")
        .header("X-Forwarded-For", "9".repeat(100_000) + ", 10.0.0.1").remoteAddress("127.0.0.1")
        .body(TestCollector.utf8(SD)).build()).join();
    assertThat(r.status()).isEqualTo(202);
    Envelope e = server.flushValid().get(0);
    // Only a syntactically valid address is kept: the 100,000-digit "address" is not one.
    assertThat(e.clientIp()).isNotNull().hasSizeLessThanOrEqualTo(45).doesNotContain("9999");
  }

  @Test
  void attributesCountTowardTheEventSizeCap() throws Exception {
    // 80 extension attributes of 4,000 characters each: 320 KB stored beside a tiny payload.
    StringBuilder event = new StringBuilder("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\","
        + "\"dataschema\":\"iglu:com.acme/user/jsonschema/1-0-0\",\"data\":{\"id\":\"u\"}");
    for (int i = 0; i < 80; i++) {
      event.append(",\"ext").append(i).append("\":\"").append("a".repeat(4000)).append('"');
    }
    event.append('}');
    HttpResponse r = server.handle("POST", "/cloudevents", null, Map.of("Content-Type",
        CloudEventsInput.STRUCTURED), TestCollector.utf8(event.toString()));
    assertThat(r.status()).isEqualTo(202);
    List<Envelope> invalid = server.flushInvalid();
    assertThat(invalid).hasSize(1);
    assertThat(invalid.get(0).validation().error()).isEqualTo(ValidationError.SIZE_VIOLATION);
    assertThat(server.valid.envelopes()).isEmpty();
  }

  @Test
  void theSizeViolationNamesTheCap() throws Exception {
    StringBuilder event = new StringBuilder("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\","
        + "\"data\":{}");
    for (int i = 0; i < 80; i++) {
      event.append(",\"ext").append(i).append("\":\"").append("a".repeat(4000)).append('"');
    }
    server.handle("POST", "/cloudevents", null, Map.of("Content-Type", CloudEventsInput.STRUCTURED),
        TestCollector.utf8(event.append('}').toString()));
    JsonNode v = Json.read(new String(EnvelopeCodec.encode(server.flushInvalid().get(0)),
        java.nio.charset.StandardCharsets.UTF_8)).path("validation");
    assertThat(v.path("error").asText()).isEqualTo("size_violation");
    assertThat(v.path("message").asText()).contains("262144");
  }
}
