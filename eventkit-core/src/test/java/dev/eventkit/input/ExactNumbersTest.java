package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Numbers are stored with the value the client sent: no conversion to double on the way (which turned {@code 1e400}
 * into the string "Infinity" and cut decimals to 17 digits), also not after the log's encode and decode.
 */
class ExactNumbersTest {

  /** Name, JSON text as sent, and the text expected in the stored payload. */
  private static final String[][] NUMBERS = {
      {"huge", "1e400", "1E+400"},
      {"tiny", "-2.5e-400", "-2.5E-400"},
      {"long", "0.1000000000000000000001", "0.1000000000000000000001"},
      {"money", "12345678901234567890.123456789", "12345678901234567890.123456789"},
      {"trailing", "1.10", "1.10"},
      {"whole", "100.0", "100.0"},
      {"small", "0.000001", "0.000001"},
      {"bigint", "123456789012345678901234567890", "123456789012345678901234567890"},
  };

  private TestCollector server;

  @BeforeEach
  void start() {
    server = new TestCollector(SegmentInput.create(), SelfDescribingInput.create(), CloudEventsInput.create(),
        WebhookInput.create());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String object() {
    StringBuilder b = new StringBuilder("{");
    for (String[] n : NUMBERS) {
      b.append(b.length() > 1 ? "," : "").append('"').append(n[0]).append("\":").append(n[1]);
    }
    return b.append('}').toString();
  }

  @Test
  void everyJsonInputKeepsNumbersExactlyThroughTheLog() throws Exception {
    String o = object();
    post("/sd", "application/json", "{\"schema\":\"iglu:com.acme/n/jsonschema/1-0-0\",\"data\":" + o + "}");
    post("/collect", "application/json", "{\"type\":\"track\",\"event\":\"n\",\"userId\":\"u\",\"properties\":" + o
        + "}");
    post("/webhook/n", "application/json", o);
    post("/cloudevents", CloudEventsInput.STRUCTURED,
        "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"data\":" + o + "}");
    List<Envelope> all = new java.util.ArrayList<>(server.flushValid());
    all.addAll(server.flushInvalid());
    assertThat(all).hasSize(4);
    for (Envelope e : all) {
      Envelope decoded = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
      for (Envelope stored : List.of(e, decoded)) {
        JsonNode payload = stored.payload();
        JsonNode numbers = payload.has("properties") ? payload.get("properties") : payload;
        for (String[] n : NUMBERS) {
          JsonNode v = numbers.get(n[0]);
          assertThat(v.isNumber()).as("%s in %s: %s", n[0], e.protocol(), stored.payloadJson()).isTrue();
          assertThat(v.decimalValue()).as("%s in %s", n[0], e.protocol()).isEqualByComparingTo(new BigDecimal(n[1]));
          assertThat(stored.payloadJson()).contains("\"" + n[0] + "\":" + n[2]);
        }
      }
    }
  }

  private void post(String path, String type, String body) {
    HttpResponse r = server.handle("POST", path, null, Map.of("Content-Type", type), TestCollector.utf8(body));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(202);
  }
}
