package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of tracker-protocol violation, one row each, over real HTTP: the request is answered 200 with the
 * pixel on GET and 400 with a JSON explanation on POST, and is kept whole as a failed event of type
 * {@code protocol_violation} that names the offending field; nothing reaches the regular sink.
 */
class ProtocolViolationTest {

  static final String UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
  static final String CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
  static final String PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
  static final String GOOD_ITEM = "{\"e\":\"pv\",\"tv\":\"js-3.0.0\",\"p\":\"web\",\"url\":\"https://a.example/\"}";

  /**
   * One violation.
   *
   * @param name what is wrong
   * @param method GET (to /i) or POST (to tp2)
   * @param request the query string (GET) or body (POST)
   * @param keyword the violation keyword expected: the parameter or body field at fault, or {@code body}
   * @param raw what the failed event must keep as {@code raw}
   */
  record Case(String name, String method, String request, String keyword, String raw) {
    @Override
    public String toString() {
      return method + " " + name;
    }
  }

  static Case get(String name, String query, String keyword) {
    return new Case(name, "GET", query, keyword, query);
  }

  static Case body(String name, String body, String keyword) {
    return new Case(name, "POST", body, keyword, body);
  }

  /** A violation inside one event of an otherwise well-formed payload_data: the event alone is kept as raw. */
  static Case item(String name, String itemJson, String keyword) {
    return new Case(name, "POST", tp2(itemJson), keyword, Json.write(Json.read(itemJson)));
  }

  static String tp2(String... items) {
    return "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + String.join(",", items) + "]}";
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static Stream<Case> cases() {
    return Stream.of(
        get("missing e", "aid=shop&p=web&tv=js-3", "e"),
        get("empty e", "e=&p=web", "e"),
        get("unknown event type", "e=xx&p=web", "e"),
        get("no query string at all", "", "e"),
        get("ue without ue_pr or ue_px", "e=ue&p=web", "ue_pr"),
        get("ue_px with characters outside base64", "e=ue&ue_px=ab*cd", "ue_px"),
        get("ue_px of impossible length", "e=ue&ue_px=abcde", "ue_px"),
        get("ue_px decoding to bytes that are not UTF-8", "e=ue&ue_px=" + b64(new byte[] {(byte) 0xff, (byte) 0xfe,
            (byte) 0xfd}), "ue_px"),
        get("ue_px decoding to text that is not JSON",
            "e=ue&ue_px=" + b64("not json".getBytes(StandardCharsets.UTF_8)), "ue_px"),
        get("ue_pr that is not JSON", "e=ue&ue_pr=" + enc("{nope"), "ue_pr"),
        get("ue_pr not wrapped in unstruct_event", "e=ue&ue_pr="
            + enc("{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\",\"data\":{}}"), "ue_pr"),
        get("ue_pr whose event is not self-describing", "e=ue&ue_pr="
            + enc("{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"product\":1}}"), "ue_pr"),
        get("ue_pr whose event schema is not an Iglu URI", "e=ue&ue_pr="
            + enc("{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":\"http://x.example/s\",\"data\":{}}}"),
            "ue_pr"),
        get("cx that is not base64", "e=pv&cx=" + enc("***"), "cx"),
        get("co not wrapped in contexts", "e=pv&co=" + enc("{\"schema\":\"" + UNSTRUCT + "\",\"data\":[]}"), "co"),
        get("co whose data is not an array", "e=pv&co=" + enc("{\"schema\":\"" + CONTEXTS + "\",\"data\":{}}"), "co"),
        get("co with an entity that is not self-describing", "e=pv&co="
            + enc("{\"schema\":\"" + CONTEXTS + "\",\"data\":[{\"x\":1}]}"), "co"),
        get("eid that is not a UUID", "e=pv&eid=123", "eid"),
        get("dtm that is not milliseconds", "e=pv&dtm=yesterday", "dtm"),
        get("negative stm", "e=pv&dtm=1700000000000&stm=-5", "stm"),
        get("ttm after year 9999", "e=pv&ttm=999999999999999", "ttm"),
        get("unknown platform", "e=pv&p=phone", "p"),
        get("se_va that is not a number", "e=se&se_ca=a&se_ac=b&se_va=NaN", "se_va"),
        get("tr_tt that is not a number", "e=tr&tr_id=1&tr_tt=ten", "tr_tt"),
        get("ti_qu that is not an integer", "e=ti&ti_id=1&ti_sk=s&ti_pr=1&ti_qu=1.5", "ti_qu"),
        get("pp_mix that is not an integer", "e=pp&pp_mix=left", "pp_mix"),
        body("empty body", "", "body"),
        body("body that is not JSON", "e=pv&p=web", "body"),
        body("truncated JSON", tp2(GOOD_ITEM).substring(0, 40), "body"),
        body("duplicate keys", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"schema\":\"x\",\"data\":[" + GOOD_ITEM + "]}",
            "body"),
        body("JSON nested deeper than the limit", "[".repeat(300) + "]".repeat(300), "body"),
        body("bare array of events", "[" + GOOD_ITEM + "]", "schema"),
        body("contexts instead of payload_data", "{\"schema\":\"" + CONTEXTS + "\",\"data\":[" + GOOD_ITEM + "]}",
            "schema"),
        body("payload_data of an unknown model", "{\"schema\":"
            + "\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/2-0-0\",\"data\":[" + GOOD_ITEM + "]}",
            "schema"),
        body("schema that is not a string", "{\"schema\":5,\"data\":[" + GOOD_ITEM + "]}", "schema"),
        body("data that is an object", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":" + GOOD_ITEM + "}", "data"),
        body("data that is empty", tp2(), "data"),
        body("data missing", "{\"schema\":\"" + PAYLOAD_DATA + "\"}", "data"),
        item("event that is not an object", "\"e=pv\"", "data"),
        item("number parameter", "{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"dtm\":1700000000000}", "dtm"),
        item("null parameter", "{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"aid\":null}", "aid"),
        item("contexts as an object instead of a string",
            "{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"co\":{\"schema\":\"" + CONTEXTS + "\",\"data\":[]}}", "co"),
        item("missing tv", "{\"e\":\"pv\",\"p\":\"web\"}", "tv"),
        item("missing p", "{\"e\":\"pv\",\"tv\":\"t\"}", "p"),
        item("missing e", "{\"tv\":\"t\",\"p\":\"web\",\"url\":\"https://a.example/\"}", "e"),
        item("unknown e", "{\"e\":\"page_view\",\"tv\":\"t\",\"p\":\"web\"}", "e"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isKeptAsAFailedEventAndAnswered(Case c) throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      HttpResponse<byte[]> response = c.method.equals("GET")
          ? collector.get(c.request.isEmpty() ? "/i" : "/i?" + c.request)
          : collector.post(SnowplowInput.TP2_PATH, c.request);

      if (c.method.equals("GET")) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/gif");
        assertThat(new String(response.body(), StandardCharsets.ISO_8859_1)).startsWith("GIF89a");
      } else {
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = Json.read(new String(response.body(), StandardCharsets.UTF_8));
        assertThat(body.path("error").path("code").asText()).isEqualTo("protocol_violation");
        assertThat(body.path("error").path("message").asText()).isNotBlank();
        assertThat(body.path("accepted").asInt(-1)).isZero();
        assertThat(body.path("failed").asInt()).isEqualTo(1);
      }

      Envelope failed = collector.awaitInvalid(1).get(0);
      Validation v = failed.validation();
      assertThat(v.status()).isEqualTo(Validation.Status.INVALID);
      assertThat(v.error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
      assertThat(v.message()).isNotBlank();
      assertThat(v.violations()).extracting(Violation::keyword).contains(c.keyword);
      assertThat(failed.protocol()).isEqualTo("snowplow");
      assertThat(failed.payload().path("raw").asText(null)).isEqualTo(c.raw);
      for (Violation violation : v.violations()) {
        // A pointer leads into the failed event's payload: to the parameter (present or missing) or body field.
        assertThat(violation.pointer()).isIn("", "/raw", "/parameters/" + violation.keyword(),
            "/body/" + violation.keyword());
      }

      collector.drain();
      assertThat(collector.events.envelopes()).isEmpty();
      assertThat(collector.invalid.envelopes()).hasSize(1);
    }
  }

  @Test
  void aBodyThatIsNotUtf8IsKeptAsBase64() throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      byte[] body = {(byte) 0xff, (byte) 0xfe, 0x00, 0x7b};
      assertThat(collector.post(SnowplowInput.TP2_PATH, body).statusCode()).isEqualTo(400);
      Envelope failed = collector.awaitInvalid(1).get(0);
      assertThat(failed.validation().error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
      assertThat(Base64.getDecoder().decode(failed.payload().path("rawBase64").asText())).isEqualTo(body);
    }
  }

  @Test
  void aBodyWithOverlongOrSurrogateSequencesIsRefusedAsMalformedUtf8AndKeptByteForByte() throws Exception {
    // Jackson alone decodes C0 BC as '<', E0 80 BC likewise, and ED A0 80 as a lone surrogate.
    String[] bad = {"c0bc", "e080bc", "eda080", "f4908080"};
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      for (String hex : bad) {
        byte[] body = spliced(tp2("{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"page\":\"BAD\"}"), hex);
        HttpResponse<byte[]> response = collector.post(SnowplowInput.TP2_PATH, body);
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode answer = Json.read(new String(response.body(), StandardCharsets.UTF_8));
        assertThat(answer.path("error").path("code").asText()).isEqualTo("malformed_utf8");
        assertThat(answer.path("failed").asInt()).isEqualTo(1);
      }
      List<Envelope> failed = collector.awaitInvalid(bad.length);
      for (int i = 0; i < bad.length; i++) {
        byte[] body = spliced(tp2("{\"e\":\"pv\",\"tv\":\"t\",\"p\":\"web\",\"page\":\"BAD\"}"), bad[i]);
        assertThat(failed.get(i).validation().error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
        assertThat(Base64.getDecoder().decode(failed.get(i).payload().path("rawBase64").asText())).isEqualTo(body);
      }
      collector.drain();
      assertThat(collector.events.envelopes()).isEmpty();
    }
  }

  private static byte[] spliced(String template, String hex) {
    int at = template.indexOf("BAD");
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes(template.substring(0, at).getBytes(StandardCharsets.UTF_8));
    b.writeBytes(java.util.HexFormat.of().parseHex(hex));
    b.writeBytes(template.substring(at + 3).getBytes(StandardCharsets.UTF_8));
    return b.toByteArray();
  }

  @Test
  void aBatchOfManyBadEventsIsAnsweredWithTheFirstHundredAndTheTotals() throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      int n = 5_000;
      String[] items = new String[n + 1];
      items[0] = GOOD_ITEM;
      java.util.Arrays.fill(items, 1, n + 1, "{}");
      HttpResponse<byte[]> response = collector.post(SnowplowInput.TP2_PATH, tp2(items));
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body().length).isLessThan(16 * 1024);
      JsonNode body = Json.read(new String(response.body(), StandardCharsets.UTF_8));
      assertThat(body.path("accepted").asInt()).isEqualTo(1);
      assertThat(body.path("failed").asInt()).isEqualTo(n);
      assertThat(body.path("rejectedCount").asInt()).isEqualTo(n);
      assertThat(body.path("rejected")).hasSize(100);
      assertThat(body.path("rejected").get(0).path("index").asInt()).isEqualTo(1);
    }
  }

  @Test
  void aMixedBatchKeepsTheGoodEventsAndAnswers400NamingTheBadOnes() throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      String bad = "{\"e\":\"se\",\"tv\":\"t\",\"p\":\"web\",\"se_ca\":\"c\",\"se_ac\":\"a\",\"se_va\":\"lots\"}";
      HttpResponse<byte[]> response = collector.post(SnowplowInput.TP2_PATH, tp2(GOOD_ITEM, bad, GOOD_ITEM));

      assertThat(response.statusCode()).isEqualTo(400);
      JsonNode body = Json.read(new String(response.body(), StandardCharsets.UTF_8));
      assertThat(body.path("status").asText()).isEqualTo("partial");
      assertThat(body.path("accepted").asInt()).isEqualTo(2);
      assertThat(body.path("failed").asInt()).isEqualTo(1);
      assertThat(body.path("rejected")).hasSize(1);
      assertThat(body.path("rejected").get(0).path("index").asInt()).isEqualTo(1);
      assertThat(body.path("rejected").get(0).path("field").asText()).isEqualTo("se_va");

      assertThat(collector.awaitEvents(2)).allSatisfy(e -> assertThat(e.schema()).isEqualTo(SnowplowSchemas.PAGE_VIEW));
      Envelope failed = collector.awaitInvalid(1).get(0);
      assertThat(failed.payload().path("index").asInt()).isEqualTo(1);
      assertThat(failed.payload().path("raw").asText()).isEqualTo(Json.write(Json.read(bad)));
      assertThat(failed.payload().path("parameters").path("se_va").asText()).isEqualTo("lots");
      assertThat(failed.attributes()).containsEntry("snowplow.eventType", "struct");
      collector.drain();
      assertThat(collector.events.envelopes()).hasSize(2);
      assertThat(collector.invalid.envelopes()).hasSize(1);
    }
  }

  @Test
  void everyViolationOfOneEventIsListed() throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      collector.get("/i?e=pv&eid=nope&dtm=soon&p=phone");
      Validation v = collector.awaitInvalid(1).get(0).validation();
      assertThat(v.violations()).extracting(Violation::keyword).containsExactlyInAnyOrder("eid", "dtm", "p");
      assertThat(v.message()).endsWith("(and 2 more)");
    }
  }

  @Test
  void aFailedEventKeepsAValidEventIdAndTheRequestAttributes() throws Exception {
    try (TestCollector collector = TestCollector.start(SnowplowInput.create())) {
      String eid = "0f8e1c9a-3f0b-4b7e-9a34-1d2e3f4a5b6c";
      collector.get("/i?e=se&eid=" + eid + "&se_va=x");
      Envelope failed = collector.awaitInvalid(1).get(0);
      assertThat(failed.id()).isEqualTo(eid);
      assertThat(failed.attributes()).containsEntry("snowplow.path", "/i").containsKey("snowplow.network_userid");
      assertThat(failed.schema()).isNull();
      assertThat(failed.payload().path("parameters").path("se_va").asText()).isEqualTo("x");
      assertThat(List.of(failed.clientIp())).containsExactly("127.0.0.1");
    }
  }
}
