package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte sequences that are not UTF-8, inside a string value of an otherwise well-formed JSON body, on every JSON
 * input: each is refused with a JSON 400 {@code malformed_utf8} and nothing is appended. Jackson alone decodes
 * overlong forms (so {@code C0 BC} would become '<'), UTF-16 surrogates and code points above U+10FFFF.
 */
class MalformedUtf8Test {

  /** Overlong '<' (2, 3 and 4 bytes), lone continuation, truncated sequence, surrogate, beyond U+10FFFF, 0xFF. */
  private static final String[] BAD = {"c0bc", "e080bc", "f08080bc", "80", "e282", "eda080", "f4908080", "ff"};

  private static TestCollector server;

  @BeforeAll
  static void start() {
    server = new TestCollector(SegmentInput.create(), SelfDescribingInput.create(), CloudEventsInput.create(),
        WebhookInput.create(), PixelInput.create());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Route, content type and body template; {@code BAD} marks where the bad bytes go. */
  static Stream<Arguments> cases() {
    String[][] routes = {
        {"/collect", "application/json", "{\"type\":\"track\",\"event\":\"BAD\",\"userId\":\"u\"}"},
        {"/collect", "text/plain", "[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"BAD\"}]"},
        {"/v1/track", "application/json", "{\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"BAD\":1}}"},
        {"/v1/batch", "application/json", "{\"batch\":[{\"type\":\"track\",\"event\":\"BAD\",\"userId\":\"u\"}]}"},
        {"/sd", "application/json", "{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\",\"data\":{\"k\":\"BAD\"}}"},
        {"/cloudevents", CloudEventsInput.STRUCTURED,
            "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"data\":\"BAD\"}"},
        {"/cloudevents", CloudEventsInput.BATCH,
            "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"data\":\"BAD\"}]"},
        {"/webhook/shop", "application/json", "{\"order\":\"BAD\"}"},
    };
    Stream.Builder<Arguments> out = Stream.builder();
    for (String[] r : routes) {
      for (String bad : BAD) {
        out.add(Arguments.of(r[0], r[1], body(r[2], bad), bad));
      }
    }
    return out.build();
  }

  static byte[] body(String template, String badHex) {
    int at = template.indexOf("BAD");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(template.substring(0, at).getBytes(StandardCharsets.UTF_8));
    b.writeBytes(HexFormat.of().parseHex(badHex));
    b.writeBytes(template.substring(at + 3).getBytes(StandardCharsets.UTF_8));
    return b.toByteArray();
  }

  @ParameterizedTest(name = "{0} {1} bytes {3}")
  @MethodSource("cases")
  void aBodyThatIsNotUtf8IsA400NamingIt(String path, String contentType, byte[] body, String bad) {
    long before = server.pipeline.status().accepted();
    HttpResponse r = server.handle("POST", path, null, Map.of("Content-Type", contentType), body);
    assertRefused(r);
    assertThat(server.pipeline.status().accepted()).as("nothing appended").isEqualTo(before);
  }

  @Test
  void aBinaryModeCloudEventWithJsonDataThatIsNotUtf8IsRefused() {
    for (String bad : BAD) {
      HttpResponse r = server.handle("POST", "/cloudevents", null, Map.of("Content-Type", "application/json",
          "ce-specversion", "1.0", "ce-id", "1", "ce-source", "/s", "ce-type", "t"), body("{\"k\":\"BAD\"}", bad));
      assertRefused(r);
    }
  }

  @Test
  void aPixelsBase64JsonParameterThatIsNotUtf8IsRefused() {
    for (String bad : BAD) {
      String data = Base64.getUrlEncoder().withoutPadding().encodeToString(body("{\"k\":\"BAD\"}", bad));
      HttpResponse r = server.handle("GET", "/pixel/open", "data=" + data, Map.of(), new byte[0]);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }
  }

  @Test
  void wellFormedMultiByteTextIsStillAccepted() {
    byte[] body = "{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\",\"data\":{\"k\":\"é€😀<\"}}"
        .getBytes(StandardCharsets.UTF_8);
    HttpResponse r = server.handle("POST", "/sd", null, Map.of("Content-Type", "application/json"), body);
    assertThat(r.status()).isEqualTo(202);
  }

  private static void assertRefused(HttpResponse r) {
    assertThat(r.status()).as(r.bodyText()).isEqualTo(400);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode error = Json.read(r.bodyText()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("malformed_utf8");
    assertThat(error.path("message").asText()).contains("UTF-8");
  }
}
