package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.testing.FuzzCorpus;
import dev.eventkit.testing.FuzzRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The seeds of {@link SnowplowCollectorFuzzTest}'s corpus: tracker requests of every event type, written as the
 * fuzzer data that the target's {@link FuzzRequest} reads back. The committed files must be what this class
 * writes, and replaying them (a plain test run) checks that each is answered with the status its name gives.
 * Rewrite them with {@code mvn -pl eventkit-snowplow test -Dtest=SnowplowCollectorFuzzCorpusTest
 * -Dfuzz.writeSeeds=true}.
 */
class SnowplowCollectorFuzzCorpusTest {

  static final String UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
  static final String CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
  static final String PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
  static final String UE = "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":"
      + "\"iglu:com.acme/checkout/jsonschema/1-0-0\",\"data\":{\"total\":9.5}}}";
  static final String CX = "{\"schema\":\"" + CONTEXTS + "\",\"data\":[{\"schema\":"
      + "\"iglu:com.acme/user/jsonschema/1-0-0\",\"data\":{\"id\":\"u1\"}}]}";
  static final String COMMON = "tv=js-3.0.0&p=web&aid=shop&eid=5f4b9c1e-8d2a-4f6b-9e3c-1a2b3c4d5e6f"
      + "&dtm=1700000000000&stm=1700000000100&duid=d1&vid=1&sid=s1&uid=u1&res=1920x1080&lang=de-DE";

  static Map<String, Map<String, byte[]>> seeds() {
    Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
    FuzzRequest q = SnowplowCollectorFuzzTest.QUERY;
    all.put("get", Map.of(
        "seed-200-page-view", q.seed("GET", SnowplowInput.PIXEL_PATH)
            .query("e=pv&" + COMMON + "&url=" + enc("https://shop.example/p?utm_source=news&utm_medium=email")
                + "&refr=" + enc("https://www.google.com/search?q=shoes") + "&page=Home")
            .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
            .header("Cookie", "sp=7d0b7d8e-6b1e-4a4e-9c53-2f0e6c1c8a11").body(new byte[0]),
        "seed-200-structured", q.seed("GET", SnowplowInput.PIXEL_PATH)
            .query("e=se&" + COMMON + "&se_ca=shop&se_ac=add&se_la=sku-1&se_pr=size&se_va=1.5&co=" + enc(CX))
            .header("X-Forwarded-For", "198.51.100.1, 10.0.0.1").body(new byte[0]),
        "seed-200-unstructured", q.seed("GET", SnowplowInput.TP2_PATH)
            .query("e=ue&" + COMMON + "&ue_px=" + b64(UE) + "&cx=" + b64(CX)).header("SP-Anonymous", "*")
            .body(new byte[0]),
        "seed-200-transaction", q.seed("GET", SnowplowInput.PIXEL_PATH)
            .query("e=tr&" + COMMON + "&tr_id=o1&tr_af=web&tr_tt=19.00&tr_tx=3.04&tr_sh=2&tr_ci=Berlin&tr_cu=EUR")
            .body(new byte[0]),
        "seed-200-transaction-item", q.seed("GET", "/com.acme/track")
            .query("e=ti&" + COMMON + "&ti_id=o1&ti_sk=sku-1&ti_nm=Shoe&ti_ca=shoes&ti_pr=9.50&ti_qu=2&ti_cu=EUR")
            .body(new byte[0]),
        "seed-200-page-ping", q.seed("GET", "/{}/{}").segment("io.example").segment("v1")
            .query("e=pp&" + COMMON + "&pp_mix=0&pp_max=100&pp_miy=0&pp_may=800&url=" + enc("https://shop.example/"))
            .header("Forwarded", "for=\"[2001:db8::1]:4711\";proto=https").body(new byte[0]),
        "seed-200-violation", q.seed("GET", SnowplowInput.PIXEL_PATH).query("e=xx&tv=js&p=web&dtm=yesterday")
            .body(new byte[0]),
        "seed-302-redirect", q.seed("GET", SnowplowInput.REDIRECT_PATH)
            .query("u=" + enc("https://shop.example/sale?a=1") + "&" + COMMON).body(new byte[0]),
        "seed-400-redirect-elsewhere", q.seed("GET", SnowplowInput.REDIRECT_PATH)
            .query("u=" + enc("https://elsewhere.example/")).body(new byte[0]),
        "seed-204-preflight", q.seed("OPTIONS", SnowplowInput.TP2_PATH).query("")
            .header("Origin", "https://shop.example").body(new byte[0])));

    FuzzRequest p = SnowplowCollectorFuzzTest.BODY;
    String pv = "{\"e\":\"pv\",\"tv\":\"js-3.0.0\",\"p\":\"web\",\"eid\":\"5f4b9c1e-8d2a-4f6b-9e3c-1a2b3c4d5e6f\","
        + "\"dtm\":\"1700000000000\",\"stm\":\"1700000000100\",\"url\":\"https://shop.example/?utm_source=x\","
        + "\"cx\":\"" + b64(CX) + "\"}";
    String ue = "{\"e\":\"ue\",\"tv\":\"java-1.0.1\",\"p\":\"srv\",\"ue_pr\":" + quote(UE) + ",\"co\":"
        + quote(CX) + "}";
    String se = "{\"e\":\"se\",\"tv\":\"js\",\"p\":\"mob\",\"se_ca\":\"c\",\"se_ac\":\"a\",\"se_va\":\"-2e3\"}";
    all.put("post", Map.of(
        "seed-200-batch", p.seed("POST", SnowplowInput.TP2_PATH).query("")
            .header("Content-Type", "application/json; charset=UTF-8")
            .header("Cookie", "sp=7d0b7d8e-6b1e-4a4e-9c53-2f0e6c1c8a11")
            .body(utf8("{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + pv + "," + ue + "," + se + "]}")),
        "seed-200-custom-path-query", p.seed("POST", "/com.acme/track").query("aid=override&tna=t1")
            .header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + se + "]}")),
        "seed-400-partial", p.seed("POST", SnowplowInput.TP2_PATH).query("")
            .header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + pv + ",{\"e\":\"pv\",\"dtm\":1},7]}")),
        "seed-400-bare-array", p.seed("POST", SnowplowInput.TP2_PATH).query("")
            .header("Content-Type", "application/json").body(utf8("[" + pv + "]")),
        // The deepest body accepted, kept whole in a failed event two levels further down.
        "seed-400-nested-200-deep", p.seed("POST", SnowplowInput.TP2_PATH).query("")
            .header("Content-Type", "application/json").body(utf8("[".repeat(200) + "]".repeat(200))),
        "seed-400-malformed", p.seed("POST", SnowplowInput.TP2_PATH).query("")
            .header("Content-Type", "application/json").body(utf8("{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":["))));
    return all;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(s));
  }

  static String quote(String json) {
    return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @EnabledIfSystemProperty(named = FuzzCorpus.WRITE_SEEDS, matches = "true")
  void writeSeeds() {
    seeds().forEach((target, byName) -> byName.forEach((name, data) -> FuzzCorpus.write(SnowplowCollectorFuzzTest.class,
        target, name, data)));
  }

  @Test
  void seedsAreCommitted() {
    seeds().forEach((target, byName) -> byName.forEach((name, data) -> assertThat(Arrays.equals(FuzzCorpus.committed(
        SnowplowCollectorFuzzTest.class, target, name), data))
        .as("%s/%s is committed as written; after changing a target's request shape, rewrite the seeds with "
            + "-D%s=true", target, name, FuzzCorpus.WRITE_SEEDS).isTrue()));
  }
}
