package dev.eventkit.input.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.input.TestCollector;
import dev.eventkit.internal.json.Json;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class WebhookInputTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";

  @Test
  void mappedHooksAreValidatedAndOthersKeptUnvalidated() throws Exception {
    WebhookInput input = WebhookInput.builder().hook("shop", CHECKOUT).idHeaders("X-Delivery-Id").stream("hooks")
        .build();
    try (TestCollector server = new TestCollector(input)) {
      assertThat(server.send(HttpRequest.newBuilder(server.uri("/webhook/shop"))
          .header("Content-Type", "application/json").header("X-Delivery-Id", "d-77")
          .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"o\",\"total\":5}")).build()).statusCode())
          .isEqualTo(202);
      assertThat(server.post("/webhook/shop", "application/json", "{\"total\":\"x\"}").statusCode())
          .isEqualTo(202);
      assertThat(server.post("/webhook/anything", "application/json", "[1,2,{\"a\":null}]").statusCode())
          .isEqualTo(202);

      Envelope valid = server.flushValid().stream().filter(e -> e.schema() != null).findFirst().orElseThrow();
      assertThat(valid.id()).isEqualTo("d-77");
      assertThat(valid.protocol()).isEqualTo("webhook");
      assertThat(valid.stream()).isEqualTo("hooks");
      assertThat(valid.attributes()).containsEntry("webhook", "shop");
      assertThat(valid.validation()).isEqualTo(Validation.valid());
      Envelope free = server.flushValid().stream().filter(e -> e.schema() == null).findFirst().orElseThrow();
      assertThat(free.payload()).isEqualTo(Json.read("[1,2,{\"a\":null}]"));
      assertThat(free.validation()).isEqualTo(Validation.notValidated());
      assertThat(server.flushInvalid()).singleElement()
          .satisfies(e -> assertThat(e.validation().error()).isEqualTo(ValidationError.PAYLOAD_INVALID));
    }
  }

  @Test
  void strictHooksDefaultSchemasAndBadInput() throws Exception {
    WebhookInput input = WebhookInput.builder().hook("shop", CHECKOUT).allowUnmappedHooks(false).build();
    try (TestCollector server = new TestCollector(input)) {
      assertThat(server.post("/webhook/other", "application/json", "{}").statusCode()).isEqualTo(404);
      assertThat(server.post("/webhook/shop", "application/x-www-form-urlencoded", "a=b").statusCode())
          .isEqualTo(415);
      assertThat(server.post("/webhook/shop", "application/json", "{oops").statusCode()).isEqualTo(400);
    }
    WebhookInput defaults = WebhookInput.builder().defaultSchema("iglu:com.acme/unpublished/jsonschema/1-0-0")
        .build();
    try (TestCollector server = new TestCollector(defaults)) {
      assertThat(server.post("/webhook/x", "application/json", "{}").statusCode()).isEqualTo(202);
      assertThat(server.flushInvalid()).singleElement()
          .satisfies(e -> assertThat(e.validation().error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND));
    }
    assertThatThrownBy(() -> WebhookInput.builder().hook("x", "not a uri").build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
