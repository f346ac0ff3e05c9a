package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The envelope carries what a schema validator needs: the self-describing event's own schema with its data as the
 * payload, each context with its own schema, and for the built-in types a schema this module ships. A test-only
 * validator over a map of JSON Schemas proves it: bad data, a bad context and an unknown schema each fail
 * validation and go to the invalid sink.
 */
class SchemaValidationTest {

  static final String PRODUCT = SnowplowJavaTrackerTest.VIEWED_PRODUCT;
  static final String USER = SnowplowJavaTrackerTest.USER;

  static String ue(String schema, String data) {
    return "e=ue&ue_pr=" + URLEncoder.encode("{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/"
        + "jsonschema/1-0-0\",\"data\":{\"schema\":\"" + schema + "\",\"data\":" + data + "}}", StandardCharsets.UTF_8);
  }

  static String co(String schema, String data) {
    return "&co=" + URLEncoder.encode("{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1\","
        + "\"data\":[{\"schema\":\"" + schema + "\",\"data\":" + data + "}]}", StandardCharsets.UTF_8);
  }

  @Test
  void eventAndContextsAreValidatedAgainstTheirOwnSchemas() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), SnowplowJavaTrackerTest.validator())) {
      c.get("/i?aid=good&" + ue(PRODUCT, "{\"product_id\":\"p\",\"price\":1}") + co(USER, "{\"plan\":\"pro\"}"));
      c.get("/i?aid=bad-data&" + ue(PRODUCT, "{\"product_id\":\"p\",\"price\":\"free\"}"));
      c.get("/i?aid=bad-context&" + ue(PRODUCT, "{\"product_id\":\"p\",\"price\":1}") + co(USER, "{\"plan\":7}"));
      c.get("/i?aid=unknown&" + ue("iglu:com.acme/unknown/jsonschema/1-0-0", "{}"));
      c.get("/i?aid=se-without-action&e=se&se_ca=shop");
      c.get("/i?aid=tr-ok&e=tr&tr_id=o-1&tr_tt=10.5");

      assertThat(c.awaitEvents(2)).extracting(e -> e.attributes().get("snowplow.app_id"))
          .containsExactlyInAnyOrder("good", "tr-ok");
      Map<String, Validation> invalid = new java.util.HashMap<>();
      for (Envelope e : c.awaitInvalid(4)) {
        invalid.put(e.attributes().get("snowplow.app_id"), e.validation());
      }
      assertThat(invalid.get("bad-data").error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
      assertThat(invalid.get("bad-data").violations()).anySatisfy(v -> assertThat(v.pointer()).isEqualTo("/price"));
      assertThat(invalid.get("bad-context").error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
      assertThat(invalid.get("bad-context").violations())
          .anySatisfy(v -> assertThat(v.pointer()).isEqualTo("/contexts/0/plan"));
      assertThat(invalid.get("unknown").error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
      assertThat(invalid.get("se-without-action").error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    }
  }

  @Test
  void everyBundledSchemaIsAUsableJsonSchema() {
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    Map<String, String> bundled = SnowplowSchemas.bundled();
    assertThat(bundled.keySet()).containsExactlyInAnyOrder(SnowplowSchemas.PAGE_VIEW, SnowplowSchemas.PAGE_PING,
        SnowplowSchemas.STRUCTURED, SnowplowSchemas.TRANSACTION, SnowplowSchemas.TRANSACTION_ITEM,
        SnowplowSchemas.URI_REDIRECT);
    for (SnowplowEventType t : SnowplowEventType.values()) {
      if (t.schema() != null) {
        assertThat(bundled).containsKey(t.schema());
      }
    }
    bundled.forEach((uri, text) -> assertThat(factory.getSchema(text).validate(dev.eventkit.internal.json.Json.read(
        "[]")))
        .as("%s rejects a non-object", uri).isNotEmpty());
  }
}
