package dev.eventkit.input.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.sink.InMemorySink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Segment tracking API as browser and mobile libraries use it: the short routes of analytics.js, bodies that are
 * JSON whatever their declared type, the write key in the body, Segment's clock-skew correction, the CORS preflight,
 * and the 200 that RudderStack's mobile libraries require.
 */
class SegmentApiTest {

  private static final Instant RECEIVED = Instant.parse("2026-05-01T10:00:10Z");
  private static final String KEY = "wk-5ecret-KEY";

  private InMemorySink sink;
  private Pipeline pipeline;
  private Collector collector;

  @BeforeEach
  void start() {
    sink = new InMemorySink("memory");
    pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).build().start();
    collector = Collector.builder(pipeline).input(SegmentInput.create())
        .clock(Clock.fixed(RECEIVED, ZoneOffset.UTC)).build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
  }

  private HttpResponse post(String path, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.builder("POST", path).body(body.getBytes(StandardCharsets.UTF_8))
        .header("Origin", "http://shop.example");
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return collector.handle(b.build()).join();
  }

  private Envelope only() throws Exception {
    return sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/v1/t | track    | {\"event\":\"Signed Up\",\"anonymousId\":\"a\",\"properties\":{\"plan\":\"pro\"}}",
      "/v1/i | identify | {\"userId\":\"u\",\"traits\":{\"plan\":\"pro\"}}",
      "/v1/p | page     | {\"anonymousId\":\"a\",\"name\":\"Home\",\"properties\":{\"plan\":\"pro\"}}",
      "/v1/s | screen   | {\"anonymousId\":\"a\",\"name\":\"Home\"}",
      "/v1/g | group    | {\"anonymousId\":\"a\",\"groupId\":\"g\"}",
      "/v1/a | alias    | {\"userId\":\"u\",\"previousId\":\"p\"}",
  })
  void shortRoutesServeTheirTypeAsTheLongOnesDo(String path, String type, String body) throws Exception {
    HttpResponse r = post(path, "text/plain", body);
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Envelope e = only();
    assertThat(e.attributes()).containsEntry("eventType", type);
    assertThat(e.payload().get("type").asText()).isEqualTo(type);
    String other = type.equals("track") ? "page" : "track";
    assertThat(post(path, "text/plain", body.replaceFirst("\\{", "{\"type\":\"" + other + "\",")).status())
        .isEqualTo(400);
  }

  @Test
  void theShortBatchRouteIsTheBatchRoute() throws Exception {
    HttpResponse r = post("/v1/b", "text/plain", "{\"batch\":["
        + "{\"type\":\"track\",\"event\":\"b1\",\"anonymousId\":\"a\",\"writeKey\":\"" + KEY + "\"},"
        + "{\"type\":\"identify\",\"userId\":\"u\",\"writeKey\":\"" + KEY + "\"}],"
        + "\"writeKey\":\"" + KEY + "\",\"sentAt\":\"2026-05-01T10:00:00Z\"}");
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    List<Envelope> got = sink.awaitCount(2, Duration.ofSeconds(5));
    assertThat(got).extracting(e -> e.attributes().get("eventType")).containsExactlyInAnyOrder("track", "identify");
    assertThat(post("/v1/b", "text/plain", "{\"batch\":{}}").status()).isEqualTo(400);
  }

  @Test
  void bodiesAreJsonWhateverTheirDeclaredType() throws Exception {
    String track = "{\"event\":\"e\",\"anonymousId\":\"a\"}";
    assertThat(post("/v1/t", null, track).status()).isEqualTo(200);
    assertThat(post("/v1/t", "text/plain;charset=UTF-8", track).status()).isEqualTo(200);
    assertThat(post("/v1/track", "application/x-www-form-urlencoded", track).status()).isEqualTo(200);
    assertThat(post("/v1/batch", "application/json; charset=utf-8",
        "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\"}]}").status()).isEqualTo(200);
    assertThat(sink.awaitCount(4, Duration.ofSeconds(5))).hasSize(4);
    assertThat(post("/v1/t", "text/plain", "event=e").status()).isEqualTo(400);
  }

  @Test
  void aBatchWhoseSharedContextWouldMultiplyPastTheBoundIsRefusedWhole() throws Exception {
    // 1,000 tiny events and a 10 KB context: a 60 KB request that would store about 10 MB.
    String context = "{\"page\":{\"title\":\"" + "x".repeat(10_000) + "\"}}";
    StringBuilder batch = new StringBuilder("{\"context\":" + context + ",\"batch\":[");
    for (int i = 0; i < 1_000; i++) {
      batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\"}");
    }
    String body = batch.append("]}").toString();

    HttpResponse refused = post("/v1/batch", "application/json", body);
    assertThat(refused.status()).isEqualTo(413);
    assertThat(Json.read(refused.bodyText()).path("error").path("code").asText()).isEqualTo("batch_context_too_large");

    assertThat(sink.envelopes()).isEmpty();

    // The same batch is taken under a higher bound.
    Collector generous = Collector.builder(pipeline)
        .input(SegmentInput.builder().maxSharedContextBytes(20L * 1024 * 1024).build()).build();
    HttpResponse taken = generous.handle(HttpRequest.builder("POST", "/v1/batch").header("Content-Type",
        "application/json").body(body.getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(taken.status()).isEqualTo(200);
    assertThat(sink.awaitCount(1_000, Duration.ofSeconds(10))).hasSize(1_000);
  }

  @Test
  void theWriteKeyNeverLandsInTheEnvelope() throws Exception {
    assertThat(post("/v1/t", "text/plain", "{\"event\":\"e\",\"anonymousId\":\"a\",\"writeKey\":\"" + KEY + "\"}")
        .status()).isEqualTo(200);
    assertThat(post("/v1/batch", "application/json", "{\"writeKey\":\"" + KEY + "\",\"batch\":["
        + "{\"type\":\"page\",\"anonymousId\":\"a\",\"writeKey\":\"" + KEY + "\"}]}").status()).isEqualTo(200);
    assertThat(post("/collect", "text/plain", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"writeKey\":\""
        + KEY + "\"}").status()).isEqualTo(202);
    HttpResponse withHeader = collector.handle(HttpRequest.builder("POST", "/v1/i")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes()))
        .body("{\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(withHeader.status()).isEqualTo(200);
    for (Envelope e : sink.awaitCount(4, Duration.ofSeconds(5))) {
      assertThat(new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8)).doesNotContain(KEY);
      assertThat(e.payload().has("writeKey")).isFalse();
    }
  }

  @Test
  void timestampsAreCorrectedForClockSkewAsSegmentDoes() throws Exception {
    // The device clock is an hour behind: it sent at 09:00:05 (its time), received at 10:00:10 (ours).
    post("/v1/t", "text/plain", "{\"event\":\"e\",\"anonymousId\":\"a\",\"timestamp\":\"2026-05-01T09:00:00.000Z\","
        + "\"sentAt\":\"2026-05-01T09:00:05.000Z\"}");
    JsonNode p = only().payload();
    assertThat(p.get("timestamp").asText()).isEqualTo("2026-05-01T10:00:05.000Z");
    assertThat(p.get("originalTimestamp").asText()).isEqualTo("2026-05-01T09:00:00.000Z");
    assertThat(p.get("sentAt").asText()).isEqualTo("2026-05-01T09:00:05.000Z");
    assertThat(p.get("receivedAt").asText()).isEqualTo("2026-05-01T10:00:10.000Z");
  }

  @Test
  void aBatchSentAtCorrectsEveryEventAndIsKeptOnEach() throws Exception {
    post("/v1/b", "text/plain", "{\"batch\":["
        + "{\"type\":\"track\",\"event\":\"one\",\"anonymousId\":\"a\",\"timestamp\":\"2026-05-01T10:00:30+00:00\"},"
        + "{\"type\":\"track\",\"event\":\"two\",\"anonymousId\":\"a\",\"originalTimestamp\":\"2026-05-01T10:00:31Z\"},"
        + "{\"type\":\"track\",\"event\":\"three\",\"anonymousId\":\"a\"}],"
        + "\"sentAt\":\"2026-05-01T10:00:40Z\"}");
    List<Envelope> got = sink.awaitCount(3, Duration.ofSeconds(5));
    JsonNode one = payloadOf(got, "one");
    // The device clock is 30 s ahead.
    assertThat(one.get("timestamp").asText()).isEqualTo("2026-05-01T10:00:00.000Z");
    assertThat(one.get("originalTimestamp").asText()).isEqualTo("2026-05-01T10:00:30+00:00");
    assertThat(one.get("sentAt").asText()).isEqualTo("2026-05-01T10:00:40Z");
    // RudderStack's libraries send the device time as originalTimestamp.
    JsonNode two = payloadOf(got, "two");
    assertThat(two.get("timestamp").asText()).isEqualTo("2026-05-01T10:00:01.000Z");
    assertThat(two.get("originalTimestamp").asText()).isEqualTo("2026-05-01T10:00:31Z");
    // No device time: the time it was received, as Segment does.
    JsonNode three = payloadOf(got, "three");
    assertThat(three.get("timestamp").asText()).isEqualTo("2026-05-01T10:00:10.000Z");
    assertThat(three.has("originalTimestamp")).isFalse();
    assertThat(got.get(0).sentAt()).isEqualTo(Instant.parse("2026-05-01T10:00:40Z"));
  }

  @Test
  void withoutSentAtTheTimestampIsKeptAsSent() throws Exception {
    post("/v1/track", "application/json",
        "{\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"2020-01-01T00:00:00Z\"}");
    JsonNode p = only().payload();
    assertThat(p.get("timestamp").asText()).isEqualTo("2020-01-01T00:00:00Z");
    assertThat(p.get("originalTimestamp").asText()).isEqualTo("2020-01-01T00:00:00Z");
    assertThat(post("/v1/t", "text/plain", "{\"event\":\"e\",\"userId\":\"u\",\"originalTimestamp\":\"noon\"}")
        .status()).isEqualTo(400);
  }

  @Test
  void collectKeepsTheEventAsSent() throws Exception {
    post("/collect", "application/json", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
        + "\"timestamp\":\"2026-05-01T09:00:00Z\",\"sentAt\":\"2026-05-01T09:00:05Z\"}");
    JsonNode p = only().payload();
    assertThat(p.get("timestamp").asText()).isEqualTo("2026-05-01T09:00:00Z");
    assertThat(p.has("originalTimestamp")).isFalse();
  }

  @Test
  void mobileLibrariesPostGzipToTheShortBatchRouteWithTheKeyInTheBody() throws Exception {
    byte[] zipped = gzip("{\"batch\":[{\"type\":\"screen\",\"name\":\"Home\",\"anonymousId\":\"a\","
        + "\"timestamp\":\"2026-05-01T10:00:00.000Z\"}],\"sentAt\":\"2026-05-01T10:00:01.000Z\",\"writeKey\":\""
        + KEY + "\"}");
    HttpResponse r = collector.handle(HttpRequest.builder("POST", "/v1/b").header("Content-Type", "text/plain")
        .header("Content-Encoding", "gzip").body(zipped).build()).join();
    assertThat(r.status()).isEqualTo(200);
    assertThat(only().payload().get("timestamp").asText()).isEqualTo("2026-05-01T10:00:09.000Z");
  }

  @Test
  void rudderStackBeaconsCarryTheKeyInTheQuery() throws Exception {
    HttpResponse r = collector.handle(HttpRequest.builder("POST", "/beacon/v1/batch").rawQuery("writeKey=" + KEY)
        .header("Content-Type", "text/plain;charset=UTF-8").header("Origin", "http://shop.example")
        .body(("{\"batch\":[{\"type\":\"track\",\"event\":\"left\",\"anonymousId\":\"a\",\"channel\":\"web\","
            + "\"originalTimestamp\":\"2026-05-01T10:00:00.000Z\",\"sentAt\":\"2026-05-01T10:00:00.000Z\"}],"
            + "\"sentAt\":\"2026-05-01T10:00:00.000Z\"}").getBytes(StandardCharsets.UTF_8)).build()).join();
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    // sendBeacon sends credentials: the origin must be named and credentials allowed.
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("http://shop.example");
    assertThat(r.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(only().payload().get("event").asText()).isEqualTo("left");
  }

  @Test
  void thePreflightAllowsWhatBrowserLibrariesSend() {
    // analytics.js: Authorization (the write key), X-Retry-Count on retries; RudderStack: AnonymousId, SentAt.
    HttpResponse pre = collector.handle(HttpRequest.builder("OPTIONS", "/v1/t")
        .header("Origin", "http://shop.example").header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,x-retry-count,anonymousid,sentat")
        .build()).join();
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.header("Access-Control-Allow-Origin")).isEqualTo("http://shop.example");
    assertThat(pre.header("Access-Control-Allow-Methods")).contains("POST");
    assertThat(pre.header("Access-Control-Allow-Headers").toLowerCase())
        .contains("authorization", "content-type", "x-retry-count", "anonymousid", "sentat");
    assertThat(pre.header("Access-Control-Max-Age")).isNotNull();
    HttpResponse odd = collector.handle(HttpRequest.builder("OPTIONS", "/v1/b")
        .header("Origin", "http://shop.example").header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-ok, bad header\r\nx: y").build()).join();
    assertThat(odd.header("Access-Control-Allow-Headers")).doesNotContain("bad header").doesNotContain("\n");
  }

  @Test
  void aRejectedEventOnTheApiIsStillA400WithTheReason() {
    HttpResponse r = post("/v1/t", "text/plain", "{\"anonymousId\":\"a\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(Json.read(r.bodyText()).at("/error/field").asText()).isEqualTo("event");
  }

  private static JsonNode payloadOf(List<Envelope> envelopes, String event) {
    return envelopes.stream().map(Envelope::payload).filter(p -> p.path("event").asText().equals(event))
        .findFirst().orElseThrow();
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
