package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code ue_px} and {@code cx} decode in the standard and the URL-safe alphabet, padded or not, on GET and POST —
 * including a standard '+' left unescaped in a query string, which form decoding turns into a space.
 */
class Base64VariantsTest {

  /** Chosen so that its base64 holds '+', '/' and needs padding. */
  static final String CONTEXTS = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\","
      + "\"data\":[{\"schema\":\"iglu:com.acme/ctx/jsonschema/1-0-0\",\"data\":{\"k\":\"??>>~~ü\"}}]}";
  static final String EVENT = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\","
      + "\"data\":{\"schema\":\"iglu:com.acme/ev/jsonschema/1-0-0\",\"data\":{\"q\":\"???>>>\"}}}";

  static final List<Function<byte[], String>> ENCODINGS = List.of(
      b -> Base64.getEncoder().encodeToString(b),
      b -> Base64.getEncoder().withoutPadding().encodeToString(b),
      b -> Base64.getUrlEncoder().encodeToString(b),
      b -> Base64.getUrlEncoder().withoutPadding().encodeToString(b));

  @Test
  void theEncodedFormsUnderTestReallyDiffer() {
    byte[] b = CONTEXTS.getBytes(StandardCharsets.UTF_8);
    assertThat(ENCODINGS.get(0).apply(b)).contains("+", "/").endsWith("=");
    assertThat(ENCODINGS.get(3).apply(b)).contains("-", "_").doesNotEndWith("=");
    assertThat(ENCODINGS.stream().map(f -> f.apply(b)).distinct()).hasSize(4);
  }

  @Test
  void everyAlphabetAndPaddingDecodesAlikeOnGetAndPost() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      int sent = 0;
      for (Function<byte[], String> enc : ENCODINGS) {
        String cx = enc.apply(CONTEXTS.getBytes(StandardCharsets.UTF_8));
        String px = enc.apply(EVENT.getBytes(StandardCharsets.UTF_8));
        // Percent-encoded, as trackers send it …
        assertThat(c.get("/i?e=ue&ue_px=" + URLEncoder.encode(px, StandardCharsets.UTF_8) + "&cx="
            + URLEncoder.encode(cx, StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        // … and raw, where an unescaped '+' arrives as a space.
        assertThat(c.get("/i?e=ue&ue_px=" + px.replace("=", "%3D") + "&cx=" + cx.replace("=", "%3D"))
            .statusCode()).isEqualTo(200);
        assertThat(c.post(SnowplowInput.TP2_PATH, ProtocolViolationTest.tp2("{\"e\":\"ue\",\"tv\":\"t\",\"p\":\"web\","
            + "\"ue_px\":\"" + px + "\",\"cx\":\"" + cx + "\"}")).statusCode()).isEqualTo(200);
        sent += 3;
      }
      List<Envelope> events = c.awaitEvents(sent);
      assertThat(events).allSatisfy(e -> {
        assertThat(e.schema()).isEqualTo("iglu:com.acme/ev/jsonschema/1-0-0");
        assertThat(e.payload()).isEqualTo(Json.read("{\"q\":\"???>>>\"}"));
        assertThat(e.contexts()).hasSize(1);
        assertThat(e.contexts().get(0).schema()).isEqualTo("iglu:com.acme/ctx/jsonschema/1-0-0");
        assertThat(e.contexts().get(0).data()).isEqualTo(Json.read("{\"k\":\"??>>~~ü\"}"));
      });
      c.drain();
      assertThat(c.invalid.envelopes()).isEmpty();
    }
  }

  @Test
  void decoderRulesOneByOne() {
    assertThat(LenientBase64.decode("aGk=")).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
    assertThat(LenientBase64.decode("aGk")).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
    assertThat(LenientBase64.decode("aGk=\r\n")).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
    assertThat(LenientBase64.decode("+/+/")).isEqualTo(LenientBase64.decode("-_-_"));
    assertThat(LenientBase64.decode(" / /")).isEqualTo(LenientBase64.decode("+/+/"));
    assertThat(LenientBase64.decode("")).isEmpty();
    assertThat(LenientBase64.decode("a")).isNull();          // impossible length
    assertThat(LenientBase64.decode("aGk===")).isNull();     // too much padding
    assertThat(LenientBase64.decode("aGlp=")).isNull();      // padding after a full quantum
    assertThat(LenientBase64.decode("aG=k")).isNull();       // padding inside
    assertThat(LenientBase64.decode("aGk*")).isNull();       // outside both alphabets
  }
}
