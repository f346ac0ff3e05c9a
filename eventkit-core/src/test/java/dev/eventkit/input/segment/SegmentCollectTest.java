package dev.eventkit.input.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.sink.InMemorySink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Segment-compatible routes end to end through the HTTP-agnostic collector, bad input included. */
class SegmentCollectTest {

  private InMemorySink sink;
  private Pipeline pipeline;
  private Collector collector;

  @BeforeEach
  void start() {
    sink = new InMemorySink("memory");
    pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).build().start();
    collector = Collector.builder(pipeline).input(SegmentInput.create()).maxBodyBytes(4096).build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
  }

  private HttpResponse post(String path, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.builder("POST", path).body(body.getBytes(StandardCharsets.UTF_8))
        .remoteAddress("198.51.100.7").header("User-Agent", "test/1");
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return collector.handle(b.build()).join();
  }

  private static JsonNode json(HttpResponse r) {
    return Json.read(r.bodyText());
  }

  @Test
  void aTrackEventIsAcceptedOnlyOnceDurableAndDelivered() throws Exception {
    HttpResponse r = post("/collect", "application/json",
        "{\"type\":\"track\",\"event\":\"button_click\",\"userId\":\"u1\",\"messageId\":\"m-1\"}");
    assertThat(r.status()).isEqualTo(202);
    assertThat(json(r).get("status").asText()).isEqualTo("accepted");
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
    assertThat(e.id()).isEqualTo("m-1");
    assertThat(e.protocol()).isEqualTo("segment");
    assertThat(e.stream()).isEqualTo("default");
    assertThat(e.clientIp()).isEqualTo("198.51.100.7");
    assertThat(e.userAgent()).isEqualTo("test/1");
    assertThat(e.payload().get("event").asText()).isEqualTo("button_click");
    assertThat(pipeline.status().accepted()).isEqualTo(1);
  }

  @Test
  void streamsComeFromThePathAndArraysAreBatches() throws Exception {
    HttpResponse r = post("/collect/checkout", "text/plain;charset=UTF-8",
        "[{\"type\":\"identify\",\"userId\":\"u\"},{\"type\":\"page\",\"anonymousId\":\"a\"}]");
    assertThat(r.status()).isEqualTo(202);
    List<Envelope> got = sink.awaitCount(2, Duration.ofSeconds(5));
    assertThat(got).extracting(Envelope::stream).containsOnly("checkout");
    assertThat(post("/collect/bad%20name!", "application/json", "{}").status()).isIn(400, 404);
  }

  @Test
  void aBatchKeepsGoodEventsAndListsTheRejectedOnes() throws Exception {
    HttpResponse r = post("/collect", "application/json",
        "[{\"type\":\"track\",\"event\":\"a\",\"userId\":\"u\"},{\"type\":\"track\",\"userId\":\"u\"},7]");
    assertThat(r.status()).isEqualTo(202);
    JsonNode body = json(r);
    assertThat(body.get("status").asText()).isEqualTo("partial");
    assertThat(body.get("accepted").asInt()).isEqualTo(1);
    assertThat(body.get("rejected")).hasSize(2);
    assertThat(body.get("rejected").get(0).get("index").asInt()).isEqualTo(1);
    assertThat(body.get("rejected").get(0).get("field").asText()).isEqualTo("event");
    assertThat(body.get("rejected").get(1).get("code").asText()).isEqualTo("wrong_type");
    assertThat(sink.awaitCount(1, Duration.ofSeconds(5))).hasSize(1);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"type\":\"track\"                          | 400 | malformed_json",
      "{\"type\":\"track\",\"type\":\"page\"}        | 400 | malformed_json",
      "''                                           | 400 | empty_body",
      "{\"type\":\"track\",\"event\":\"e\"}          | 400 | missing_field",
      "{\"type\":\"nope\",\"userId\":\"u\"}          | 400 | unknown_event_type",
      "{\"type\":\"track\",\"event\":1,\"userId\":\"u\"} | 400 | wrong_type",
      "[]                                           | 400 | empty_batch",
  })
  void badInputIsA400WithAJsonErrorNamingTheProblem(String body, int status, String code) {
    HttpResponse r = post("/collect", "application/json", body);
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode j = json(r);
    assertThat(j.at("/error/code").asText()).isEqualTo(code);
    assertThat(r.bodyText()).doesNotContain("Exception").doesNotContain("at dev.");
  }

  @Test
  void tooDeeplyNestedJsonIsA400() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    HttpResponse r = collector.handle(HttpRequest.builder("POST", "/collect").header("Content-Type",
        "application/json").body(deep.getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(r.status()).isIn(400, 413);
  }

  @Test
  void transportErrorsHaveTheirOwnStatuses() {
    assertThat(post("/collect", "application/x-www-form-urlencoded", "a=1").status()).isEqualTo(415);
    assertThat(post("/collect", null, "{}").status()).isEqualTo(415);
    assertThat(post("/collect", "application/json", "{\"x\":\"" + "a".repeat(5000) + "\"}").status())
        .isEqualTo(413);
    assertThat(post("/nowhere", "application/json", "{}").status()).isEqualTo(404);
    HttpResponse wrongMethod = collector.handle(HttpRequest.builder("GET", "/collect").build()).join();
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.header("Allow")).isEqualTo("POST");
    assertThat(json(wrongMethod).at("/error/code").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void gzipBodiesAreAcceptedAndGzipBombsAreRefused() throws Exception {
    byte[] zipped = gzip("{\"type\":\"track\",\"event\":\"z\",\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8));
    HttpResponse ok = collector.handle(HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip").body(zipped).build()).join();
    assertThat(ok.status()).isEqualTo(202);
    byte[] bomb = gzip(("{\"a\":\"" + "x".repeat(1_000_000) + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(bomb.length).isLessThan(4096);
    HttpResponse big = collector.handle(HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip").body(bomb).build()).join();
    assertThat(big.status()).isEqualTo(413);
    HttpResponse notGzip = collector.handle(HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
        .body("{}".getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(notGzip.status()).isEqualTo(400);
    HttpResponse brotli = collector.handle(HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json").header("Content-Encoding", "br")
        .body("{}".getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(brotli.status()).isEqualTo(415);
  }

  @Test
  void segmentHttpApiRoutesImplyTheTypeAndShareBatchContext() throws Exception {
    // The tracking API answers 200, as Segment does.
    assertThat(post("/v1/track", "application/json", "{\"event\":\"e\",\"userId\":\"u\"}").status())
        .isEqualTo(200);
    assertThat(post("/v1/identify", "application/json", "{\"userId\":\"u\",\"traits\":{}}").status())
        .isEqualTo(200);
    assertThat(post("/v1/track", "application/json", "{\"type\":\"page\",\"userId\":\"u\"}").status())
        .isEqualTo(400);
    HttpResponse batch = post("/v1/batch", "application/json", "{\"batch\":["
        + "{\"type\":\"track\",\"event\":\"b1\",\"userId\":\"u\",\"context\":{\"ip\":\"1.2.3.4\"}},"
        + "{\"type\":\"alias\",\"userId\":\"u\",\"previousId\":\"p\"}],"
        + "\"context\":{\"library\":{\"name\":\"analytics-java\"},\"ip\":\"9.9.9.9\"},"
        + "\"sentAt\":\"2026-05-01T10:00:00Z\"}");
    assertThat(batch.status()).isEqualTo(200);
    List<Envelope> got = sink.awaitCount(4, Duration.ofSeconds(5));
    Envelope b1 = got.stream().filter(e -> e.payloadJson().contains("\"b1\"")).findFirst().orElseThrow();
    assertThat(b1.payload().at("/context/library/name").asText()).isEqualTo("analytics-java");
    assertThat(b1.payload().at("/context/ip").asText()).isEqualTo("1.2.3.4");
    assertThat(b1.sentAt()).hasToString("2026-05-01T10:00:00Z");
    assertThat(post("/v1/batch", "application/json", "{\"batch\":{}}").status()).isEqualTo(400);
  }

  @Test
  void healthReportsTheLogAndEverySink() {
    post("/collect", "application/json", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}");
    HttpResponse r = collector.handle(HttpRequest.builder("GET", "/health").build()).join();
    assertThat(r.status()).isEqualTo(200);
    JsonNode h = json(r);
    assertThat(h.get("status").asText()).isEqualTo("ok");
    assertThat(h.at("/log/lastSequence").asLong()).isEqualTo(1);
    assertThat(h.at("/sinks/0/name").asText()).isEqualTo("memory");
  }

  @Test
  void aClosedPipelineAnswers503WithRetryAfter() {
    pipeline.close();
    HttpResponse r = post("/collect", "application/json", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.header("Retry-After")).isNotNull();
    assertThat(collector.handle(HttpRequest.builder("GET", "/health").build()).join().status()).isEqualTo(503);
  }

  @Test
  void corsPreflightAndHeaders() {
    HttpResponse pre = collector.handle(HttpRequest.builder("OPTIONS", "/collect")
        .header("Origin", "https://shop.example").header("Access-Control-Request-Method", "POST").build()).join();
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.header("Access-Control-Allow-Origin")).isEqualTo("https://shop.example");
    assertThat(pre.header("Access-Control-Allow-Credentials")).isEqualTo("true");
  }

  private static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void selfDescribingEventsOnCollectCarryTheirDataAsPayloadAndTheirContexts() throws Exception {
    HttpResponse r = post("/collect", "application/json", "{\"schema\":\"iglu:com.acme/click/jsonschema/1-0-0\","
        + "\"data\":{\"button\":\"buy\"},\"contexts\":[{\"schema\":\"iglu:com.acme/user/jsonschema/1-0-0\","
        + "\"data\":{\"tier\":\"gold\"}}]}");
    assertThat(r.status()).isEqualTo(202);
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
    assertThat(e.protocol()).isEqualTo("selfdescribing");
    assertThat(e.schema()).isEqualTo("iglu:com.acme/click/jsonschema/1-0-0");
    assertThat(e.payloadJson()).isEqualTo("{\"button\":\"buy\"}");
    assertThat(e.contexts()).hasSize(1);
    assertThat(e.contexts().get(0).data().get("tier").asText()).isEqualTo("gold");
    HttpResponse badContext = post("/collect", "application/json",
        "{\"schema\":\"iglu:com.acme/click/jsonschema/1-0-0\",\"data\":{},\"contexts\":[7]}");
    assertThat(badContext.status()).isEqualTo(400);
    assertThat(json(badContext).at("/error/field").asText()).isEqualTo("contexts[0]");
  }

  @Test
  void anUnpairedSurrogateEscapeIsAcceptedNotA500() throws Exception {
    HttpResponse r = post("/collect", "application/json",
        "{\"type\":\"track\",\"event\":\"x\\ud83d\",\"userId\":\"u\",\"properties\":{\"\\udc00\":1}}");
    assertThat(r.status()).isEqualTo(202);
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
    assertThat(e.payload().get("event").asText()).isEqualTo("x\uFFFD");
  }
}
