package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.snowplowanalytics.snowplow.tracker.Subject;
import com.snowplowanalytics.snowplow.tracker.Tracker;
import com.snowplowanalytics.snowplow.tracker.configuration.EmitterConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.NetworkConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.SubjectConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.TrackerConfiguration;
import com.snowplowanalytics.snowplow.tracker.emitter.BatchEmitter;
import com.snowplowanalytics.snowplow.tracker.emitter.Emitter;
import com.snowplowanalytics.snowplow.tracker.events.EcommerceTransaction;
import com.snowplowanalytics.snowplow.tracker.events.EcommerceTransactionItem;
import com.snowplowanalytics.snowplow.tracker.events.PageView;
import com.snowplowanalytics.snowplow.tracker.events.SelfDescribing;
import com.snowplowanalytics.snowplow.tracker.events.Structured;
import com.snowplowanalytics.snowplow.tracker.http.OkHttpClientAdapter;
import com.snowplowanalytics.snowplow.tracker.payload.SelfDescribingJson;
import com.snowplowanalytics.snowplow.tracker.payload.TrackerPayload;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.internal.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * The real Snowplow Java tracker (1.0.1) sends page views, structured events, self-describing events with contexts
 * and an ecommerce transaction to the collector on a loopback HTTP server, through its own emitter (POST tp2) and
 * through its own HTTP adapter's GET /i, with and without base64; every event arrives in the sink with its fields,
 * schema and contexts intact and valid against the schemas a validator holds.
 */
class SnowplowJavaTrackerTest {

  static final String VIEWED_PRODUCT = "iglu:com.acme/viewed_product/jsonschema/1-0-0";
  static final String USER = "iglu:com.acme/user/jsonschema/1-0-0";
  static final String EXPERIMENT = "iglu:com.acme/experiment/jsonschema/1-0-0";
  static final long TRUE_TIME = 1_700_000_000_000L;

  static final Map<String, String> SCHEMAS = Map.of(
      VIEWED_PRODUCT, """
          {"type": "object", "properties": {"product_id": {"type": "string"}, "price": {"type": "number"}},
           "required": ["product_id", "price"], "additionalProperties": false}""",
      USER, """
          {"type": "object", "properties": {"plan": {"type": "string"}, "logged_in": {"type": "boolean"}},
           "required": ["plan"], "additionalProperties": false}""",
      EXPERIMENT, """
          {"type": "object", "properties": {"name": {"type": "string"}, "variant": {"type": "string"}},
           "required": ["name", "variant"]}""");

  static final String PAGE_URL =
      "https://shop.example.com/catalog/shoes?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
          + "&gclid=abc123#top";

  @Test
  void emitterPostsEveryEventTypeWithBase64() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
      BatchEmitter emitter = emitter(c);
      Map<String, String> ids = trackAll(new Tracker(new TrackerConfiguration("ns-test", "shop-app"), emitter,
          subject()));
      emitter.flushBuffer();
      List<Envelope> events = c.awaitEvents(6);
      emitter.close();
      assertArrived(events, ids, true);
      c.drain();
      assertThat(c.invalid.envelopes()).isEmpty();
    }
  }

  @Test
  void emitterPostsEveryEventTypeAsPlainJson() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
      BatchEmitter emitter = emitter(c);
      Map<String, String> ids = trackAll(new Tracker(
          new TrackerConfiguration("ns-test", "shop-app").base64Encoded(false), emitter, subject()));
      emitter.flushBuffer();
      List<Envelope> events = c.awaitEvents(6);
      emitter.close();
      assertArrived(events, ids, true);
      c.drain();
      assertThat(c.invalid.envelopes()).isEmpty();
    }
  }

  @Test
  void theSameEventsArriveThroughThePixelAsQueryStrings() throws Exception {
    for (boolean base64 : new boolean[] {true, false}) {
      try (TestCollector c = TestCollector.start(SnowplowInput.create(), validator())) {
        CapturingEmitter capture = new CapturingEmitter();
        Map<String, String> ids = trackAll(new Tracker(
            new TrackerConfiguration("ns-test", "shop-app").base64Encoded(base64), capture, subject()));
        OkHttpClient http = new OkHttpClient();
        OkHttpClientAdapter adapter = new OkHttpClientAdapter(c.base.toString(), http);
        for (TrackerPayload p : capture.payloads) {
          // The emitter stamps stm when it sends; this path sends by hand, so it stamps it too.
          p.add("stm", Long.toString(System.currentTimeMillis()));
          assertThat(adapter.get(p)).as("pixel status").isEqualTo(200);
        }
        List<Envelope> events = c.awaitEvents(6);
        assertArrived(events, ids, true);
        assertThat(events).allSatisfy(e -> assertThat(e.attributes()).containsEntry("snowplow.path", "/i"));
        c.drain();
        assertThat(c.invalid.envelopes()).isEmpty();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }

  /** The tracker's own emitter, sending each event as soon as it is tracked. */
  static BatchEmitter emitter(TestCollector c) {
    return new BatchEmitter(new NetworkConfiguration(c.base.toString()), new EmitterConfiguration().batchSize(1));
  }

  static SchemaMapValidator validator() {
    return SchemaMapValidator.withBundledAnd(SCHEMAS);
  }

  static Subject subject() {
    return new Subject(new SubjectConfiguration().userId("user-42").domainUserId("duid-7").domainSessionId(
        "5b3d2d4e-1f7a-4c55-9a6e-2f0e3b4c5d6e").ipAddress("203.0.113.9").useragent("Mozilla/5.0 (tracker test)")
        .timezone("Europe/Berlin").language("de-DE").screenResolution(1920, 1080).viewPort(1280, 720)
        .colorDepth(24));
  }

  static SelfDescribingJson userContext() {
    return new SelfDescribingJson(USER, Map.of("plan", "pro", "logged_in", true));
  }

  static SelfDescribingJson experimentContext() {
    return new SelfDescribingJson(EXPERIMENT, Map.of("name", "checkout-v2", "variant", "b"));
  }

  /** Tracks one of each event; returns event id → a label naming which one. */
  static Map<String, String> trackAll(Tracker tracker) {
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put(tracker.track(PageView.builder().pageUrl(PAGE_URL).pageTitle("Shoes")
        .referrer("https://www.search.example/results?q=shoes").customContext(List.of(userContext())).build())
        .get(0), "pv");
    ids.put(tracker.track(Structured.builder().category("checkout").action("add-to-basket").label("sku-1")
        .property("size-42").value(49.95).customContext(List.of(experimentContext())).build()).get(0), "se");
    Map<String, Object> product = new LinkedHashMap<>();
    product.put("product_id", "ASO01043");
    product.put("price", 49.95);
    ids.put(tracker.track(SelfDescribing.builder().eventData(new SelfDescribingJson(VIEWED_PRODUCT, product))
        .customContext(List.of(userContext(), experimentContext())).trueTimestamp(TRUE_TIME).build()).get(0),
        "ue");
    EcommerceTransactionItem shoes = EcommerceTransactionItem.builder().itemId("order-7").sku("sku-1")
        .price(49.95).quantity(2).name("Runner").category("shoes").currency("EUR").build();
    EcommerceTransactionItem socks = EcommerceTransactionItem.builder().itemId("order-7").sku("sku-2")
        .price(4.5).quantity(1).name("Socks").category("socks").currency("EUR").build();
    List<String> tr = tracker.track(EcommerceTransaction.builder().orderId("order-7").totalValue(104.4)
        .affiliation("web").taxValue(16.67).shipping(0.0).city("Berlin").state("BE").country("DE")
        .currency("EUR").items(shoes, socks).build());
    assertThat(tr).as("a transaction and its two items").hasSize(3);
    ids.put(tr.get(0), "tr");
    ids.put(tr.get(1), "ti:sku-1");
    ids.put(tr.get(2), "ti:sku-2");
    return ids;
  }

  static void assertArrived(List<Envelope> events, Map<String, String> ids, boolean validated) {
    assertThat(events).hasSize(6);
    Map<String, Envelope> byId = events.stream().collect(Collectors.toMap(Envelope::id, Function.identity()));
    assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(ids.keySet());
    Map<String, Envelope> byLabel = new LinkedHashMap<>();
    ids.forEach((id, label) -> byLabel.put(label, byId.get(id)));

    for (Envelope e : events) {
      assertThat(e.protocol()).isEqualTo("snowplow");
      assertThat(e.validation()).isEqualTo(validated ? Validation.valid() : Validation.notValidated());
      assertThat(e.attributes())
          .containsEntry("snowplow.app_id", "shop-app")
          .containsEntry("snowplow.name_tracker", "ns-test")
          .containsEntry("snowplow.platform", "srv")
          .containsEntry("snowplow.user_id", "user-42")
          .containsEntry("snowplow.domain_userid", "duid-7")
          .containsEntry("snowplow.domain_sessionid", "5b3d2d4e-1f7a-4c55-9a6e-2f0e3b4c5d6e")
          .containsEntry("snowplow.user_ipaddress", "203.0.113.9")
          .containsEntry("snowplow.useragent", "Mozilla/5.0 (tracker test)")
          .containsEntry("snowplow.os_timezone", "Europe/Berlin")
          .containsEntry("snowplow.br_lang", "de-DE")
          .containsEntry("snowplow.dvce_screenwidth", "1920")
          .containsEntry("snowplow.dvce_screenheight", "1080")
          .containsEntry("snowplow.br_viewwidth", "1280")
          .containsEntry("snowplow.br_viewheight", "720")
          .containsEntry("snowplow.br_colordepth", "24")
          .containsKeys("snowplow.collector_tstamp", "snowplow.dvce_created_tstamp", "snowplow.dvce_sent_tstamp",
              "snowplow.derived_tstamp");
      assertThat(e.attributes().get("snowplow.v_tracker")).startsWith("java-");
      assertThat(e.attributes().get("snowplow.network_userid")).matches("[0-9a-f-]{36}");
      assertThat(e.sentAt()).isEqualTo(Instant.parse(e.attributes().get("snowplow.dvce_sent_tstamp")));
      assertThat(e.attributes()).doesNotContainKeys("snowplow.param.ue_px", "snowplow.param.cx",
          "snowplow.param.co", "snowplow.param.ue_pr");
      // Device times are taken from one clock, so the derived time lies within the collector's reach.
      if (!e.attributes().containsKey("snowplow.true_tstamp")) {
        Instant derived = Instant.parse(e.attributes().get("snowplow.derived_tstamp"));
        assertThat(derived).isBeforeOrEqualTo(e.receivedAt());
        assertThat(derived).isAfter(e.receivedAt().minusSeconds(60));
      }
    }

    Envelope pv = byLabel.get("pv");
    assertThat(pv.schema()).isEqualTo(SnowplowSchemas.PAGE_VIEW);
    assertThat(pv.attributes()).containsEntry("snowplow.eventType", "page_view");
    assertThat(pv.payload()).isEqualTo(json("{\"page_url\": \"" + PAGE_URL + "\", \"page_title\": \"Shoes\", "
        + "\"page_referrer\": \"https://www.search.example/results?q=shoes\"}"));
    assertContexts(pv, USER, "{\"plan\": \"pro\", \"logged_in\": true}");
    assertThat(pv.attributes())
        .containsEntry("snowplow.page_url", PAGE_URL)
        .containsEntry("snowplow.page_title", "Shoes")
        .containsEntry("snowplow.page_urlscheme", "https")
        .containsEntry("snowplow.page_urlhost", "shop.example.com")
        .containsEntry("snowplow.page_urlport", "443")
        .containsEntry("snowplow.page_urlpath", "/catalog/shoes")
        .containsEntry("snowplow.page_urlquery",
            "utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=abc123")
        .containsEntry("snowplow.page_urlfragment", "top")
        .containsEntry("snowplow.mkt_source", "newsletter")
        .containsEntry("snowplow.mkt_medium", "email")
        .containsEntry("snowplow.mkt_campaign", "spring")
        .containsEntry("snowplow.mkt_clickid", "abc123")
        .containsEntry("snowplow.mkt_network", "Google")
        .containsEntry("snowplow.refr_urlhost", "www.search.example")
        .containsEntry("snowplow.refr_urlpath", "/results")
        .containsEntry("snowplow.refr_urlquery", "q=shoes");

    Envelope se = byLabel.get("se");
    assertThat(se.schema()).isEqualTo(SnowplowSchemas.STRUCTURED);
    assertThat(se.attributes()).containsEntry("snowplow.eventType", "struct");
    assertThat(se.payload()).isEqualTo(json("{\"se_category\": \"checkout\", \"se_action\": \"add-to-basket\", "
        + "\"se_label\": \"sku-1\", \"se_property\": \"size-42\", \"se_value\": 49.95}"));
    assertContexts(se, EXPERIMENT, "{\"name\": \"checkout-v2\", \"variant\": \"b\"}");

    Envelope ue = byLabel.get("ue");
    assertThat(ue.schema()).isEqualTo(VIEWED_PRODUCT);
    assertThat(ue.attributes()).containsEntry("snowplow.eventType", "unstruct");
    assertThat(ue.payload()).isEqualTo(json("{\"product_id\": \"ASO01043\", \"price\": 49.95}"));
    assertContexts(ue, USER, "{\"plan\": \"pro\", \"logged_in\": true}",
        EXPERIMENT, "{\"name\": \"checkout-v2\", \"variant\": \"b\"}");
    assertThat(ue.attributes())
        .containsEntry("snowplow.true_tstamp", Instant.ofEpochMilli(TRUE_TIME).toString())
        .containsEntry("snowplow.derived_tstamp", Instant.ofEpochMilli(TRUE_TIME).toString());

    Envelope tr = byLabel.get("tr");
    assertThat(tr.schema()).isEqualTo(SnowplowSchemas.TRANSACTION);
    assertThat(tr.attributes()).containsEntry("snowplow.eventType", "transaction");
    assertThat(tr.payload()).isEqualTo(json("{\"tr_orderid\": \"order-7\", \"tr_affiliation\": \"web\", "
        + "\"tr_total\": 104.4, \"tr_tax\": 16.67, \"tr_shipping\": 0.0, \"tr_city\": \"Berlin\", "
        + "\"tr_state\": \"BE\", \"tr_country\": \"DE\", \"tr_currency\": \"EUR\"}"));

    Envelope shoes = byLabel.get("ti:sku-1");
    assertThat(shoes.schema()).isEqualTo(SnowplowSchemas.TRANSACTION_ITEM);
    assertThat(shoes.attributes()).containsEntry("snowplow.eventType", "transaction_item");
    assertThat(shoes.payload()).isEqualTo(json("{\"ti_orderid\": \"order-7\", \"ti_sku\": \"sku-1\", "
        + "\"ti_name\": \"Runner\", \"ti_category\": \"shoes\", \"ti_price\": 49.95, \"ti_quantity\": 2, "
        + "\"ti_currency\": \"EUR\"}"));
    assertThat(byLabel.get("ti:sku-2").payload().get("ti_quantity").asLong()).isEqualTo(1);
  }

  /** Asserts the contexts' schemas and data (as trees, so key order does not matter), in order. */
  static void assertContexts(Envelope e, String... schemaThenJson) {
    assertThat(e.contexts()).hasSize(schemaThenJson.length / 2);
    for (int i = 0; i < e.contexts().size(); i++) {
      Entity c = e.contexts().get(i);
      assertThat(c.schema()).isEqualTo(schemaThenJson[2 * i]);
      assertThat(c.data()).isEqualTo(json(schemaThenJson[2 * i + 1]));
    }
  }

  static JsonNode json(String text) {
    return Json.read(text);
  }

  /** An emitter that keeps what the tracker hands it, so that the test can send it another way. */
  static final class CapturingEmitter implements Emitter {
    final List<TrackerPayload> payloads = new ArrayList<>();

    @Override
    public boolean add(TrackerPayload payload) {
      payloads.add(payload);
      return true;
    }

    @Override
    public void setBatchSize(int batchSize) {}

    @Override
    public void flushBuffer() {}

    @Override
    public int getBatchSize() {
      return 1;
    }

    @Override
    public List<TrackerPayload> getBuffer() {
      return List.copyOf(payloads);
    }

    @Override
    public void close() {}
  }
}
