package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * What is not a violation, and what becomes of it: the protocol leaves these to the tracker, and the collector
 * keeps them rather than failing the event.
 */
class ProtocolLeniencyTest {

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void unknownAndMalformedDescriptiveParametersAreKeptAsGiven() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=pv&res=big&vp=800x600&cd=lots&vid=first&x_custom=1&evn=com.acme&empty=&url=" + enc("not a url")
          + "&refr=" + enc("android-app://com.example.app"));
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.attributes())
          .containsEntry("snowplow.param.res", "big")
          .containsEntry("snowplow.br_viewwidth", "800")
          .containsEntry("snowplow.br_viewheight", "600")
          .containsEntry("snowplow.br_colordepth", "lots")
          .containsEntry("snowplow.domain_sessionidx", "first")
          .containsEntry("snowplow.param.x_custom", "1")
          .containsEntry("snowplow.param.evn", "com.acme")
          .containsEntry("snowplow.page_url", "not a url")
          .containsEntry("snowplow.refr_urlscheme", "android-app")
          .containsEntry("snowplow.refr_urlhost", "com.example.app")
          .doesNotContainKeys("snowplow.param.empty", "snowplow.page_urlhost", "snowplow.dvce_screenwidth",
              "snowplow.refr_urlport");
    }
  }

  @Test
  void emptyValuesCountAsAbsent() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=se&se_ca=a&se_ac=b&se_va=&eid=&dtm=&cx=");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.payload()).isEqualTo(Json.read("{\"se_category\": \"a\", \"se_action\": \"b\"}"));
      assertThat(e.contexts()).isEmpty();
      assertThat(e.attributes()).doesNotContainKey("snowplow.dvce_created_tstamp");
    }
  }

  @Test
  void decimalParametersAndSelfDescribingDataKeepTheirExactValue() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=se&se_ca=a&se_ac=b&se_va=0.1000000000000000000001");
      c.get("/i?e=tr&tr_id=o&tr_tt=12345678901234567890.50&tr_tx=1.10");
      String ue = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":"
          + "{\"schema\":\"iglu:com.acme/n/jsonschema/1-0-0\",\"data\":{\"huge\":1e400,\"long\":0.1000000000000000000001}}}";
      c.get("/i?e=ue&ue_pr=" + enc(ue));
      java.util.List<Envelope> events = c.awaitEvents(3);
      assertThat(events.get(0).payloadJson()).contains("\"se_value\":0.1000000000000000000001");
      assertThat(events.get(1).payloadJson()).contains("\"tr_total\":12345678901234567890.50")
          .contains("\"tr_tax\":1.10");
      assertThat(events.get(2).payloadJson()).isEqualTo("{\"huge\":1E+400,\"long\":0.1000000000000000000001}");
    }
  }

  @Test
  void legacyEvIsAStructuredEvent() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=ev&se_ca=a&se_ac=b&se_va=-1.5e2");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.schema()).isEqualTo(SnowplowSchemas.STRUCTURED);
      assertThat(e.payload().get("se_value").asDouble()).isEqualTo(-150.0);
    }
  }

  @Test
  void encodedFormsWinOverPlainOnesWhenBothAreSent() throws Exception {
    String plain = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\","
        + "\"data\":{\"schema\":\"iglu:com.acme/plain/jsonschema/1-0-0\",\"data\":{}}}";
    String encoded = plain.replace("plain", "encoded");
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=ue&ue_pr=" + enc(plain) + "&ue_px="
          + Base64.getUrlEncoder().encodeToString(encoded.getBytes(StandardCharsets.UTF_8)));
      assertThat(c.awaitEvents(1).get(0).schema()).isEqualTo("iglu:com.acme/encoded/jsonschema/1-0-0");
    }
  }

  @Test
  void eventSpecificParametersOfAnotherTypeAreKeptAsParameters() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=pv&se_va=not-checked-here&tr_id=7");
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.payload()).isEqualTo(Json.read("{}"));
      assertThat(e.attributes()).containsEntry("snowplow.param.se_va", "not-checked-here")
          .containsEntry("snowplow.param.tr_id", "7");
    }
  }

  @Test
  void anyAdditionToTheProtocolSchemasIsAccepted() throws Exception {
    String ctx = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-9\",\"data\":[]}";
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      String body = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-0\","
          + "\"data\":[{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"mob\",\"co\":" + Json.writer().writeValueAsString(ctx)
          + "}]}";
      assertThat(c.post(SnowplowInput.TP2_PATH, body).statusCode()).isEqualTo(200);
      assertThat(c.awaitEvents(1).get(0).contexts()).isEmpty();
    }
  }

  @Test
  void aContextMayCarryAnyJsonAsData() throws Exception {
    String ctx = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1\",\"data\":["
        + "{\"schema\":\"iglu:com.acme/a/jsonschema/1-0-0\",\"data\":[1,2]},"
        + "{\"schema\":\"iglu:com.acme/b/jsonschema/2-1-3\",\"data\":null}]}";
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      c.get("/i?e=pv&co=" + enc(ctx));
      Envelope e = c.awaitEvents(1).get(0);
      assertThat(e.contexts()).hasSize(2);
      assertThat(e.contexts().get(0).dataJson()).isEqualTo("[1,2]");
      assertThat(e.contexts().get(1).dataJson()).isEqualTo("null");
    }
  }
}
