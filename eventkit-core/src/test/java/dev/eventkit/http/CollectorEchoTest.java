package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.sink.InMemorySink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Echo routes answer with the envelopes a request would produce — read by the input, enriched by the interceptors,
 * validated — and never append anything, within the same limits as the input's own routes.
 */
class CollectorEchoTest {

  private final InMemoryRingBuffer log = new InMemoryRingBuffer();
  private final InMemorySink sink = new InMemorySink("s");
  private final CountingMetrics metrics = new CountingMetrics();
  private final Pipeline pipeline = Pipeline.builder().ringBuffer(log).sink(sink).metrics(metrics)
      .interceptor(e -> e.toBuilder().attribute("enriched", "yes").build())
      .interceptor(e -> e.payload().path("event").asText().equals("drop me") ? null : e)
      .validator(e -> e.schema() != null && e.schema().contains("broken")
          ? Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad data", List.of()) : Validation.valid())
      .build().start();

  @AfterEach
  void close() {
    pipeline.close();
  }

  private Collector collector(String echo) {
    return Collector.builder(pipeline).input(SegmentInput.create()).input(SelfDescribingInput.create())
        .maxBodyBytes(2048).echo(echo).build();
  }

  private static HttpResponse post(Collector c, String path, String json) {
    return c.handle(HttpRequest.builder("POST", path).header("Content-Type", "application/json")
        .remoteAddress("127.0.0.1").body(json.getBytes(StandardCharsets.UTF_8)).build()).join();
  }

  private static JsonNode json(HttpResponse r) throws Exception {
    return Json.reader().readTree(r.body());
  }

  private void assertNothingStored() throws Exception {
    pipeline.forceFlush().get(10, TimeUnit.SECONDS);
    assertThat(log.lastSequence()).as("log sequence").isZero();
    assertThat(sink.envelopes()).isEmpty();
    assertThat(metrics.get("accepted.web") + metrics.get("accepted.default")).isZero();
  }

  @Test
  void offByDefault() {
    Collector c = collector(null);
    assertThat(post(c, "/debug/echo/collect", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}").status())
        .isEqualTo(404);
    assertThat(c.routes()).extracting(Route::template).noneMatch(t -> t.startsWith("/debug"));
  }

  @Test
  void answersTheInterceptedValidatedEnvelopesWithoutStoringThem() throws Exception {
    Collector c = collector("/debug/echo/");
    HttpResponse r = post(c, "/debug/echo/collect/web",
        "[{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\"},"
            + "{\"type\":\"track\",\"event\":\"drop me\",\"userId\":\"u1\"},{\"type\":\"nonsense\"}]");
    assertThat(r.status()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.path("status").asText()).isEqualTo("echo");
    assertThat(body.path("stored").asBoolean(true)).isFalse();
    assertThat(body.path("wouldAnswer").asInt()).isEqualTo(202);
    // The interceptor dropped one; the input refused one.
    assertThat(body.path("count").asInt()).isEqualTo(1);
    JsonNode e = body.path("envelopes").get(0);
    assertThat(e.path("protocol").asText()).isEqualTo("segment");
    assertThat(e.path("stream").asText()).isEqualTo("web");
    assertThat(e.at("/payload/event").asText()).isEqualTo("Signed Up");
    assertThat(e.at("/attributes/enriched").asText()).isEqualTo("yes");
    assertThat(e.at("/validation/status").asText()).isEqualTo("valid");
    assertThat(e.path("clientIp").asText()).isEqualTo("127.0.0.1");
    assertThat(body.path("rejectedCount").asInt()).isEqualTo(1);
    assertThat(body.at("/rejected/0/index").asInt()).isEqualTo(2);
    assertNothingStored();
    assertThat(metrics.get("dropped.web")).isZero();

    // The same request on the input's own route is stored.
    assertThat(post(c, "/collect/web", "{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u1\"}").status())
        .isEqualTo(202);
    assertThat(log.lastSequence()).isEqualTo(1);
  }

  @Test
  void showsTheValidationOutcome() throws Exception {
    HttpResponse r = post(collector("/debug/echo"), "/debug/echo/sd",
        "{\"schema\":\"iglu:dev.example/broken/jsonschema/1-0-0\",\"data\":{}}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode v = json(r).at("/envelopes/0/validation");
    assertThat(v.path("status").asText()).isEqualTo("invalid");
    assertThat(v.path("error").asText()).isEqualTo("payload_invalid");
    assertNothingStored();
  }

  @Test
  void keepsTheInputsLimitsAndRefusals() throws Exception {
    Collector c = collector("/debug/echo");
    String big = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"x\":\"" + "a".repeat(3000)
        + "\"}}";
    assertThat(post(c, "/debug/echo/collect", big).status()).isEqualTo(413);
    // Over the limit only once decompressed.
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(big.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(gz.size()).isLessThan(2048);
    HttpResponse gzipped = c.handle(HttpRequest.builder("POST", "/debug/echo/collect")
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip").remoteAddress("127.0.0.1")
        .body(gz.toByteArray()).build()).join();
    assertThat(gzipped.status()).isEqualTo(413);
    HttpResponse malformed = post(c, "/debug/echo/collect", "{not json");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(json(malformed).at("/error/code").asText()).isNotEmpty();
    assertThat(c.handle(HttpRequest.builder("GET", "/debug/echo/collect").remoteAddress("127.0.0.1").build())
        .join().status()).isEqualTo(405);
    assertNothingStored();
  }

  @Test
  void routesListEveryServedRouteWithTheEchoRoutes() {
    Collector c = collector("/debug/echo");
    assertThat(c.routes()).extracting(Route::toString)
        .contains("POST /collect", "POST /debug/echo/collect", "POST /sd/{stream}", "POST /debug/echo/sd/{stream}",
            "GET /health");
    assertThat(c.routes()).filteredOn(r -> r.template().startsWith("/debug/echo")).hasSize(
        (int) c.routes().stream().filter(r -> !r.template().startsWith("/debug") && !r.template().equals("/health"))
            .count());
  }

  @Test
  void theEchoPrefixNamesAPath() {
    assertThatThrownBy(() -> Collector.builder(pipeline).echo("/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Collector.builder(pipeline).echo("debug")).isInstanceOf(IllegalArgumentException.class);
  }
}
