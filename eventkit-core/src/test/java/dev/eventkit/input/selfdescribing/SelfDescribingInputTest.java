package dev.eventkit.input.selfdescribing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.input.TestCollector;
import dev.eventkit.internal.json.Json;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SelfDescribingInputTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";
  private static final String USER = "iglu:com.acme/user/jsonschema/1-0-0";

  private TestCollector server;

  @BeforeEach
  void start() throws Exception {
    server = new TestCollector(SelfDescribingInput.create());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aSingleEventWithContextsIsValidatedAndKept() throws Exception {
    String body = "{\"schema\":\"" + CHECKOUT + "\",\"data\":{\"orderId\":\"o\",\"total\":3},"
        + "\"contexts\":[{\"schema\":\"" + USER + "\",\"data\":{\"id\":\"u1\"}}],"
        + "\"id\":\"evt-1\",\"sentAt\":\"2026-02-01T12:00:00+01:00\"}";
    HttpResponse<String> r = server.post("/sd/web", "application/json", body);
    assertThat(r.statusCode()).isEqualTo(202);
    Envelope e = server.flushValid().get(0);
    assertThat(e.protocol()).isEqualTo("selfdescribing");
    assertThat(e.id()).isEqualTo("evt-1");
    assertThat(e.stream()).isEqualTo("web");
    assertThat(e.schema()).isEqualTo(CHECKOUT);
    assertThat(e.payload()).isEqualTo(Json.read("{\"orderId\":\"o\",\"total\":3}"));
    assertThat(e.contexts()).containsExactly(new Entity(USER, "{\"id\":\"u1\"}"));
    assertThat(e.sentAt()).isEqualTo(Instant.parse("2026-02-01T11:00:00Z"));
    assertThat(e.validation()).isEqualTo(Validation.valid());
  }

  @Test
  void invalidEventsAndUnknownSchemasAreAcceptedAndRoutedAsInvalid() throws Exception {
    String body = "[{\"schema\":\"" + CHECKOUT + "\",\"data\":{\"total\":\"x\"}},"
        + "{\"schema\":\"iglu:com.acme/unpublished/jsonschema/1-0-0\",\"data\":{}},"
        + "{\"schema\":\"" + CHECKOUT + "\",\"data\":{\"orderId\":\"o\",\"total\":1},"
        + "\"contexts\":[{\"schema\":\"" + USER + "\",\"data\":{}}]}]";
    HttpResponse<String> r = server.post("/sd", "text/plain", body);
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(Json.read(r.body()).path("accepted").asInt()).isEqualTo(3);
    List<Envelope> invalid = server.flushInvalid();
    assertThat(invalid).extracting(e -> e.validation().error()).containsExactlyInAnyOrder(
        ValidationError.PAYLOAD_INVALID, ValidationError.SCHEMA_NOT_FOUND, ValidationError.PAYLOAD_INVALID);
    assertThat(invalid).flatExtracting(e -> e.validation().violations()).extracting(v -> v.pointer())
        .contains("/payload/orderId", "/payload/total", "/schema", "/contexts/0/data/id");
    assertThat(server.flushValid()).isEmpty();
  }

  @Test
  void aMalformedSchemaUriIsRefusedWithoutRepeatingIt() throws Exception {
    HttpResponse<String> r = server.post("/sd", "application/json",
        "{\"schema\":\"http://evil.example/s.json\",\"data\":{}}");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = Json.read(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_schema_uri");
    assertThat(error.path("message").asText()).contains("malformed schema URI").doesNotContain("evil.example");
    assertThat(error.path("field").asText()).isEqualTo("schema");

    HttpResponse<String> ctx = server.post("/sd", "application/json", "{\"schema\":\"" + CHECKOUT
        + "\",\"data\":{},\"contexts\":[{\"schema\":\"" + USER + "\",\"data\":{}},{\"schema\":\"a b\",\"data\":{}}]}");
    assertThat(ctx.statusCode()).isEqualTo(400);
    assertThat(Json.read(ctx.body()).path("error").path("field").asText()).isEqualTo("contexts/1/schema");
  }

  @Test
  void aBatchKeepsGoodEventsAndListsBadOnes() throws Exception {
    String body = "[{\"schema\":\"" + CHECKOUT + "\",\"data\":{\"orderId\":\"o\",\"total\":1}},"
        + "{\"data\":{}}, 5, {\"schema\":\"" + CHECKOUT + "\",\"data\":{},\"extra\":1}]";
    HttpResponse<String> r = server.post("/sd", "application/json", body);
    assertThat(r.statusCode()).isEqualTo(202);
    JsonNode json = Json.read(r.body());
    assertThat(json.path("status").asText()).isEqualTo("partial");
    assertThat(json.path("rejected")).extracting(n -> n.path("index").asInt() + ":" + n.path("code").asText())
        .containsExactly("1:missing_field", "2:wrong_type", "3:unknown_field");
    assertThat(server.flushValid()).hasSize(1);
  }

  @Test
  void wrongMediaTypeAndBadBodiesAreRefused() throws Exception {
    assertThat(server.post("/sd", "application/xml", "<a/>").statusCode()).isEqualTo(415);
    assertThat(server.post("/sd", "application/json", "{").statusCode()).isEqualTo(400);
    assertThat(server.post("/sd", "application/json", "[]").statusCode()).isEqualTo(400);
    assertThat(server.post("/sd/bad%20stream", "application/json", "{}").statusCode()).isEqualTo(400);
    assertThat(server.post("/sd", "application/json", "{\"schema\":\"" + CHECKOUT + "\"}").statusCode())
        .isEqualTo(400);
  }
}
