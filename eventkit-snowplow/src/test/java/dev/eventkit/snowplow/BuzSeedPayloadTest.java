package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.ValidationError;
import dev.eventkit.internal.json.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The payload that crashed the seed system (its issue 1): a POST to tp2 whose body is a bare unstruct_event
 * self-describing JSON, sent as Python's {@code requests.post(..., json=payload)} serialises it. Answered 400 with
 * an explanation of what the body should have been, kept as a failed event, and the collector keeps serving.
 */
class BuzSeedPayloadTest {

  static final String SEED_BODY = "{\"schema\": "
      + "\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\", "
      + "\"data\": {\"schema\": \"iglu:com.my_company/viewed_product/jsonschema/1-0-0\", "
      + "\"data\": {\"product_id\": \"ASO01043\", \"price\": 49.95}}}";

  @Test
  void answers400WithAnExplanationAndKeepsThePayload() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> response = c.post(SnowplowInput.TP2_PATH, SEED_BODY, "Content-Type", "application/json",
          "User-Agent", "python-requests/2.27.1");

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonNode error = Json.read(new String(response.body(), StandardCharsets.UTF_8)).path("error");
      assertThat(error.path("code").asText()).isEqualTo("protocol_violation");
      assertThat(error.path("field").asText()).isEqualTo("schema");
      assertThat(error.path("message").asText())
          .contains("unstruct_event", "not a payload_data batch", "'ue_pr'", "e=ue",
              "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");

      Envelope failed = c.awaitInvalid(1).get(0);
      assertThat(failed.validation().error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
      assertThat(failed.payload().path("raw").asText()).isEqualTo(SEED_BODY);
      assertThat(failed.payload().path("body")).isEqualTo(Json.read(SEED_BODY));
      assertThat(failed.userAgent()).isEqualTo("python-requests/2.27.1");

      // The same event, sent the way the protocol wants it, is accepted by the same collector.
      String wrapped = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","
          + "\"data\":[{\"e\":\"ue\",\"tv\":\"py-0.9\",\"p\":\"srv\",\"ue_pr\":" + Json.writer()
              .writeValueAsString(Json.read(SEED_BODY).toString()) + "}]}";
      assertThat(c.post(SnowplowInput.TP2_PATH, wrapped).statusCode()).isEqualTo(200);
      Envelope event = c.awaitEvents(1).get(0);
      assertThat(event.schema()).isEqualTo("iglu:com.my_company/viewed_product/jsonschema/1-0-0");
      assertThat(event.payload()).isEqualTo(Json.read("{\"product_id\": \"ASO01043\", \"price\": 49.95}"));
    }
  }
}
