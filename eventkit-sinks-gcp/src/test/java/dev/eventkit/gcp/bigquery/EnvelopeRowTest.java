package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/** The warehouse row: columns, round trips, and the precision BigQuery keeps. */
class EnvelopeRowTest {

  @Test
  void aRowRoundTripsToTheSameEnvelope() throws Exception {
    for (Envelope e : BigQueryStreamingSinkTest.envelopes("rt", 4, Instant.parse("2026-01-02T03:04:05.678901Z"))) {
      ObjectNode row = EnvelopeRow.toJson(e);
      assertThat(EnvelopeRow.fromJson(row)).isEqualTo(e);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      EnvelopeRow.gcsFormat().write(e, line);
      assertThat(line.toString()).doesNotContain("\n");
      assertThat(EnvelopeRow.gcsFormat().read(line.toByteArray())).isEqualTo(e);
    }
  }

  @Test
  void columnsHoldJsonTextAndTimestampsKeepMicroseconds() {
    Envelope e = BigQueryStreamingSinkTest.envelopes("c", 1, Instant.parse("2026-01-02T03:04:05.123456789Z")).get(0);
    ObjectNode row = EnvelopeRow.toJson(e);
    assertThat(row.get(EnvelopeRow.RECEIVED_AT).asText()).isEqualTo("2026-01-02T03:04:05.123456Z");
    assertThat(row.get(EnvelopeRow.PAYLOAD).isTextual()).isTrue();
    assertThat(Json.read(row.get(EnvelopeRow.PAYLOAD).asText())).isEqualTo(e.payload());
    assertThat(row.get(EnvelopeRow.VALIDATION_STATUS).asText()).isEqualTo("valid");
    assertThat(row.get(EnvelopeRow.ENVELOPE_VERSION).asInt()).isEqualTo(1);
    List<String> columns = EnvelopeRow.schema().getFields().stream().map(f -> f.getName()).toList();
    row.fieldNames().forEachRemaining(name -> assertThat(columns).contains(name));

    JSONObject writeApi = EnvelopeRow.toWriteApiRow(e);
    assertThat(writeApi.getLong(EnvelopeRow.RECEIVED_AT)).isEqualTo(1767323045123456L);
  }

  @Test
  void absentOptionalFieldsAreOmittedAndComeBackAbsent() {
    Envelope bare = Envelope.builder().id("b").protocol("segment").payloadJson("{}")
        .receivedAt(Instant.parse("2026-01-02T00:00:00Z")).build();
    ObjectNode row = EnvelopeRow.toJson(bare);
    assertThat(row.has(EnvelopeRow.CONTEXTS)).isFalse();
    assertThat(row.has(EnvelopeRow.SENT_AT)).isFalse();
    assertThat(row.has(EnvelopeRow.ATTRIBUTES)).isFalse();
    assertThat(EnvelopeRow.fromJson(row)).isEqualTo(bare);
  }

  @Test
  void aLineThatIsNotARowIsRejected() {
    assertThatThrownBy(() -> EnvelopeRow.gcsFormat().read("{\"v\":1}".getBytes()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EnvelopeRow.gcsFormat().read("not json".getBytes()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
