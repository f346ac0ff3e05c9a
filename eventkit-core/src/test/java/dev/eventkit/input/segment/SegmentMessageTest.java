package dev.eventkit.input.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.internal.json.Json;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SegmentMessageTest {

  static Stream<Arguments> invalidEvents() {
    return Stream.of(
        Arguments.of("[]", "wrong_type", null),
        Arguments.of("{}", "missing_field", "type"),
        Arguments.of("{\"type\":7,\"userId\":\"u\"}", "wrong_type", "type"),
        Arguments.of("{\"type\":\"purchase\",\"userId\":\"u\"}", "unknown_event_type", "type"),
        Arguments.of("{\"type\":\"TRACK\",\"userId\":\"u\",\"event\":\"e\"}", "unknown_event_type", "type"),
        Arguments.of("{\"type\":\"track\",\"event\":\"e\"}", "missing_field", "userId"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"\",\"event\":\"e\"}", "missing_field", "userId"),
        Arguments.of("{\"type\":\"track\",\"userId\":{},\"event\":\"e\"}", "wrong_type", "userId"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"u\"}", "missing_field", "event"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"u\",\"event\":3}", "wrong_type", "event"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"properties\":[]}", "wrong_type",
            "properties"),
        Arguments.of("{\"type\":\"identify\",\"anonymousId\":\"a\",\"traits\":\"x\"}", "wrong_type", "traits"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":5}", "wrong_type",
            "messageId"),
        Arguments.of("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"timestamp\":\"yesterday\"}",
            "wrong_format", "timestamp"),
        Arguments.of("{\"type\":\"group\",\"userId\":\"u\"}", "missing_field", "groupId"),
        Arguments.of("{\"type\":\"alias\",\"userId\":\"u\"}", "missing_field", "previousId"),
        Arguments.of("{\"type\":\"alias\",\"anonymousId\":\"a\",\"previousId\":\"p\"}", "missing_field", "userId"),
        Arguments.of("{\"type\":\"page\",\"userId\":\"u\",\"name\":[]}", "wrong_type", "name"),
        Arguments.of("{\"schema\":\"iglu:a/b/jsonschema/1-0-0\",\"data\":[]}", "wrong_type", "data"),
        Arguments.of("{\"type\":\"self_describing\",\"data\":{}}", "missing_field", "schema"),
        Arguments.of("{\"schema\":\"https://evil.example/s.json\",\"data\":{}}", "invalid_schema_uri", "schema"),
        Arguments.of("{\"type\":\"self_describing\",\"schema\":\"s\"}", "missing_field", "data"));
  }

  @ParameterizedTest
  @MethodSource("invalidEvents")
  void malformedEventsNameTheirField(String json, String code, String field) {
    assertThatThrownBy(() -> SegmentMessage.parse(Json.read(json), null))
        .isInstanceOfSatisfying(SegmentFormatException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.field()).isEqualTo(field);
        });
  }

  @Test
  void validEventsOfEveryType() throws Exception {
    String[] ok = {
        "{\"type\":\"track\",\"event\":\"button_click\",\"userId\":\"u1\"}",
        "{\"type\":\"identify\",\"userId\":42,\"traits\":{\"plan\":\"pro\"}}",
        "{\"type\":\"page\",\"anonymousId\":\"a\",\"name\":\"Home\"}",
        "{\"type\":\"screen\",\"anonymousId\":\"a\"}",
        "{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g\"}",
        "{\"type\":\"alias\",\"userId\":\"u\",\"previousId\":\"p\"}",
        "{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\",\"data\":{\"a\":1}}",
    };
    for (String json : ok) {
      assertThat(SegmentMessage.parse(Json.read(json), null)).isNotNull();
    }
  }

  @Test
  void routeImpliedTypeIsFilledInAndContradictionsRefused() throws Exception {
    SegmentMessage e = SegmentMessage.parse(Json.read("{\"event\":\"x\",\"userId\":\"u\",\"messageId\":\"m1\","
        + "\"timestamp\":\"2026-01-01T00:00:00+02:00\"}"), SegmentEventType.TRACK);
    assertThat(e.type()).isEqualTo(SegmentEventType.TRACK);
    assertThat(e.json()).contains("\"type\":\"track\"");
    assertThat(e.messageId()).isEqualTo("m1");
    assertThat(e.timestamp()).isEqualTo(java.time.Instant.parse("2025-12-31T22:00:00Z"));
    assertThatThrownBy(() -> SegmentMessage.parse(Json.read("{\"type\":\"page\",\"userId\":\"u\"}"),
        SegmentEventType.TRACK))
        .isInstanceOfSatisfying(SegmentFormatException.class, x -> assertThat(x.code()).isEqualTo("wrong_value"));
  }
}
