package dev.eventkit.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {

  @Test
  void everyFieldSurvivesARoundTrip() {
    Envelope e = Envelope.builder()
        .id("m-1").protocol("snowplow").stream("web").schema("iglu:com.acme/click/jsonschema/1-0-0")
        .payloadJson("{\"a\":[1,2,{\"b\":null}],\"s\":\"é\\u0000\"}")
        .contexts(List.of(new Entity("iglu:com.acme/ctx/jsonschema/1-0-0", "{\"k\":1}")))
        .sentAt(Instant.parse("2026-01-02T03:04:05.678Z"))
        .receivedAt(Instant.parse("2026-01-02T03:04:06.000000001Z"))
        .clientIp("203.0.113.9").userAgent("ua/1")
        .validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad",
            List.of(new Violation("/a/0", "type", "expected string"))))
        .collector(new CollectorInfo("c", "9"))
        .attribute("ce.source", "/x")
        .build();
    byte[] bytes = EnvelopeCodec.encode(e);
    Envelope back = EnvelopeCodec.decode(bytes);
    assertThat(back).isEqualTo(e);
    assertThat(back.validation().violations()).containsExactly(new Violation("/a/0", "type", "expected string"));
    assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"v\":1,\"id\":\"m-1\"");
  }

  @Test
  void minimalEnvelopeRoundTripsWithDefaults() {
    Envelope e = Envelope.builder().protocol("segment").payloadJson("{}").build();
    Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
    assertThat(back).isEqualTo(e);
    assertThat(back.stream()).isEqualTo(Envelope.DEFAULT_STREAM);
    assertThat(back.validation().status()).isEqualTo(Validation.Status.NOT_VALIDATED);
    assertThat(back.id()).hasSize(36);
  }

  @Test
  void documentsAsDeepAsTheInputsAcceptStillDecodeInsideTheEnvelope() throws Exception {
    // The deepest body an input accepts, kept whole as a payload, as a failed event's raw body and as a context.
    String deepest = "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH);
    assertThat(Json.reader().readTree(deepest)).isNotNull();
    Envelope e = Envelope.builder().protocol("webhook").payloadJson("{\"body\":" + deepest + "}")
        .contexts(List.of(new Entity("iglu:com.acme/c/jsonschema/1-0-0", deepest))).build();
    assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e))).isEqualTo(e);
    assertThatThrownBy(() -> EnvelopeCodec.decode(("{\"v\":1,\"payload\":" + "[".repeat(Json.MAX_NESTING_DEPTH + 20)
        + "]".repeat(Json.MAX_NESTING_DEPTH + 20) + "}").getBytes(StandardCharsets.UTF_8)))
        .as("the log's reader is still bounded").isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownFormatVersionsAreRefused() {
    assertThatThrownBy(() -> EnvelopeCodec.decode("{\"v\":2,\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 2");
    assertThatThrownBy(() -> EnvelopeCodec.decode("nope".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void payloadAccessorsNeverExposeSharedState() {
    Envelope e = Envelope.builder().protocol("p").payloadJson("{\"a\":1}").build();
    ((com.fasterxml.jackson.databind.node.ObjectNode) e.payload()).put("a", 2);
    assertThat(e.payload().get("a").asInt()).isEqualTo(1);
    assertThat(e.toString()).doesNotContain("\"a\"");
  }

  @Test
  void unpairedSurrogatesFromJsonEscapesAreReplacedSoThatEncodingNeverFails() throws Exception {
    com.fasterxml.jackson.databind.JsonNode n = Json.reader().readTree(
        "{\"a\":\"x\\ud83dy\",\"\\udc00k\":\"\\ud83d\\ude00\"}".getBytes(StandardCharsets.UTF_8));
    Envelope e = Envelope.builder().protocol("p").payload(n).attribute("k", "\ud800")
        .userAgent("ua\udfff").build();
    Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
    assertThat(back.payload().get("a").asText()).isEqualTo("x\uFFFDy");
    assertThat(back.payload().get("\uFFFDk").asText()).isEqualTo("\ud83d\ude00");
    assertThat(back.attributes()).containsEntry("k", "\uFFFD");
    assertThat(back.userAgent()).isEqualTo("ua\uFFFD");
  }

  @Test
  void decodingKeepsPayloadAndContextTextExactly() {
    String payload = "{\"x\":0.10000000000000000000001,\"big\":123456789012345678901234567890.5,\"huge\":1e400,"
        + "\"s\":\"\\u00e9\u00e9\", \"a\" : [ 1 , 2 ]}";
    Envelope e = Envelope.builder().protocol("p").payloadJson(payload)
        .contexts(List.of(new Entity("s", "1.000"), new Entity("t", "\"x\""))).build();
    Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
    assertThat(back.payloadJson()).isEqualTo(payload);
    assertThat(back.contexts()).extracting(Entity::dataJson).containsExactly("1.000", "\"x\"");
    assertThat(back).isEqualTo(e);
  }

  @Test
  void whateverAnEnvelopeCanHoldIsDecodedWithTheEnvelopesOwnLevelsAroundIt() {
    int depth = Json.MAX_NESTING_DEPTH;
    String deepest = "[".repeat(depth) + "]".repeat(depth);
    Envelope e = Envelope.builder().protocol("p").payloadJson(deepest)
        .contexts(List.of(new Entity("s", deepest))).build();
    assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e))).isEqualTo(e);
  }

  @Test
  void decodingErrorsNameTheProblemWithoutQuotingTheContent() {
    for (String bad : List.of("{\"v\":1,\"id\":\"secret\",\"payload\":{\"secret\":", "secret",
        "{\"v\":1,\"id\":\"secret\",\"protocol\":\"p\",\"payload\":{},\"receivedAt\":\"secret\"}",
        "{\"v\":1,\"id\":\"secret\",\"protocol\":\"p\",\"payload\":{}}", "{\"v\":1} secret")) {
      assertThatThrownBy(() -> EnvelopeCodec.decode(bad.getBytes(StandardCharsets.UTF_8))).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .satisfies(x -> assertThat(x.getMessage()).doesNotContain("secret"));
    }
  }

  private static Envelope tracked() {
    return Envelope.builder().id("m-2").protocol("segment").stream("web").payloadJson("{\"n\":1.50}")
        .contexts(List.of(new Entity("iglu:com.acme/ctx/jsonschema/1-0-0", "{\"k\":1}")))
        .receivedAt(Instant.parse("2026-01-02T03:04:06Z")).clientIp("203.0.113.9").userAgent("ua/1")
        .validation(Validation.valid()).attribute("b", "2").attribute("a", "1").build();
  }

  private static String written(Envelope e) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    EnvelopeCodec.writeTo(e, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aDecodedEnvelopeIsWrittenAsTheBytesItWasDecodedFrom() {
    // Fields in another order than the encoder's: what is written again is the stored record, byte for byte.
    String stored = "{\"collector\":{\"name\":\"c\",\"version\":\"9\"},\"v\":1,\"stream\":\"web\",\"id\":\"m-3\","
        + "\"protocol\":\"p\",\"payload\":{\"x\":0.10},\"receivedAt\":\"2026-01-02T03:04:06Z\","
        + "\"validation\":{\"status\":\"valid\"},\"attributes\":{\"z\":\"1\",\"a\":\"2\"}}";
    Envelope back = EnvelopeCodec.decode(stored.getBytes(StandardCharsets.UTF_8));
    assertThat(written(back)).isEqualTo(stored);
    assertThat(new String(EnvelopeCodec.encode(back), StandardCharsets.UTF_8)).isEqualTo(stored);
    assertThat(back.attributes()).containsEntry("z", "1").containsEntry("a", "2");
  }

  @Test
  void encodingIsDoneOnceAndEveryCallerGetsItsOwnCopy() {
    Envelope e = tracked();
    byte[] first = EnvelopeCodec.encode(e);
    first[0] = 'X';
    byte[] second = EnvelopeCodec.encode(e);
    assertThat(second[0]).isEqualTo((byte) '{');
    assertThat(written(e)).isEqualTo(new String(second, StandardCharsets.UTF_8));
    Envelope back = EnvelopeCodec.decode(second);
    byte[] third = EnvelopeCodec.encode(back);
    assertThat(third).isEqualTo(second).isNotSameAs(second);
    second[1] = 'X';
    assertThat(written(back)).startsWith("{\"v\":1,");
  }

  @Test
  void aChangedCopyIsEncodedAgain() {
    Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(tracked()));
    Envelope changed = back.toBuilder().validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad",
        List.of())).stream("other").build();
    String text = written(changed);
    assertThat(text).contains("\"stream\":\"other\"").contains("\"status\":\"invalid\"");
    assertThat(EnvelopeCodec.decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(changed);
  }

  @Test
  void recordsThatHoldMoreOrOtherThanTheEnvelopeAreEncodedAfresh() {
    String base = "\"v\":1,\"id\":\"m-4\",\"protocol\":\"p\",\"stream\":\"web\",\"payload\":{\"x\":1},"
        + "\"receivedAt\":\"2026-01-02T03:04:06Z\",\"validation\":{\"status\":\"valid\"},"
        + "\"collector\":{\"name\":\"c\",\"version\":\"9\"}";
    Envelope plain = EnvelopeCodec.decode(("{" + base + "}").getBytes(StandardCharsets.UTF_8));
    String canonical = written(Envelope.builder().id("m-4").protocol("p").stream("web").payloadJson("{\"x\":1}")
        .receivedAt(Instant.parse("2026-01-02T03:04:06Z")).validation(Validation.valid())
        .collector(new CollectorInfo("c", "9")).build());
    for (String odd : List.of("{" + base + ",\"future\":{\"a\":1}}", "{\n  " + base + "\n}",
        "{" + base + ",\"userAgent\":\"x\\ud800\"}", "{" + base.replace("\"stream\":\"web\",", "") + "}",
        "{" + base + ",\"sentAt\":null}", "{" + base + ",\"contexts\":[]}")) {
      Envelope back = EnvelopeCodec.decode(odd.getBytes(StandardCharsets.UTF_8));
      assertThat(written(back)).as(odd).isEqualTo(written(back.toBuilder().build())).doesNotContain("\n")
          .doesNotContain("future").doesNotContain("\\ud800");
    }
    assertThat(written(plain)).isEqualTo(canonical);
  }

  @Test
  void anEnvelopeSharedBetweenThreadsIsWrittenTheSameByAll() throws Exception {
    Envelope e = tracked();
    String expected = written(e.toBuilder().build());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(() -> new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8)));
      }
      for (java.util.concurrent.Future<String> r : results) {
        assertThat(r.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCopyWithAnotherValidationIsTheBuildersCopyAndIsEncodedAfresh() {
    Envelope e = EnvelopeCodec.decode(EnvelopeCodec.encode(tracked()));
    Validation invalid = Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad",
        List.of(new Violation("/n", "type", "expected string")));
    Envelope copy = e.withValidation(invalid);
    assertThat(copy).isEqualTo(e.toBuilder().validation(invalid).build()).isNotEqualTo(e);
    assertThat(written(copy)).isEqualTo(written(e.toBuilder().validation(invalid).build()))
        .contains("\"status\":\"invalid\"");
    assertThat(e.validation()).isEqualTo(Validation.valid());
  }
}
