package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.testing.FuzzCorpus;
import dev.eventkit.testing.FuzzRequest;
import dev.eventkit.testing.FuzzRequest.Body;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The seeds of {@link CollectorFuzzTest}'s corpus: a few valid and invalid requests per target, written as the
 * fuzzer data that the target's {@link FuzzRequest} reads back. The committed files must be what this class writes,
 * and replaying them (a plain test run) checks that each is answered with the status its name gives
 * ({@link FuzzCorpus#verify}). Rewrite the seeds with
 * {@code mvn -pl eventkit-core test -Dtest=CollectorFuzzCorpusTest -Dfuzz.writeSeeds=true}.
 */
class CollectorFuzzCorpusTest {

  static final String ORDER = CollectorFuzzTest.ORDER;
  static final String TRACK = "{\"type\":\"track\",\"event\":\"button_click\",\"userId\":\"u1\","
      + "\"properties\":{\"price\":9.5}}";
  static final String STRUCTURED_EVENT = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/shop\","
      + "\"type\":\"com.acme.order\",\"time\":\"2026-01-01T00:00:00Z\",\"dataschema\":\"" + ORDER + "\","
      + "\"subject\":\"o-1\",\"tenant\":\"t1\",\"priority\":3,\"data\":{\"shipTo\":{\"city\":\"Berlin\"}}}";

  static Map<String, Map<String, byte[]>> seeds() {
    Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
    FuzzRequest s = CollectorFuzzTest.SEGMENT;
    all.put("segment", Map.of(
        "seed-202-collect-track", s.seed("POST", "/collect").header("Content-Type", "application/json")
            .body(utf8(TRACK)),
        "seed-202-collect-stream-batch", s.seed("POST", "/collect/{}").segment("web")
            .header("Content-Type", "text/plain").header("Origin", "https://shop.example")
            .body(utf8("[{\"type\":\"identify\",\"userId\":\"u1\",\"traits\":{\"email\":\"a@b.example\"}},"
                + "{\"type\":\"page\",\"anonymousId\":\"a1\",\"name\":\"Home\"},{\"type\":\"nope\"}]")),
        "seed-202-collect-selfdescribing", s.seed("POST", "/collect").header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"" + ORDER + "\",\"data\":{\"shipTo\":{}}}")),
        "seed-200-v1-track", s.seed("POST", "/v1/track").header("Content-Type", "application/json")
            .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
            .body(utf8("{\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m-1\","
                + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"context\":{\"ip\":\"198.51.100.1\"}}")),
        "seed-200-v1-batch", s.seed("POST", "/v1/batch").header("Content-Type", "application/json")
            .body(utf8("{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"},"
                + "{\"type\":\"alias\",\"previousId\":\"a\",\"userId\":\"u\"},"
                + "{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g\"},"
                + "{\"type\":\"screen\",\"userId\":\"u\",\"name\":\"s\"}],"
                + "\"context\":{\"library\":{\"name\":\"analytics-java\"}},\"sentAt\":\"2026-01-01T00:00:00Z\"}")),
        "seed-400-malformed", s.seed("POST", "/collect").header("Content-Type", "application/json")
            .body(utf8("{\"type\":")),
        "seed-415-xml", s.seed("POST", "/collect").header("Content-Type", "application/xml").body(utf8("<a/>")),
        "seed-204-preflight", s.seed("OPTIONS", "/v1/identify").header("Origin", "https://shop.example")
            .body(new byte[0]),
        "seed-405-get", s.seed("GET", "/collect").body(new byte[0])));

    FuzzRequest sd = CollectorFuzzTest.SELF_DESCRIBING;
    all.put("selfDescribing", Map.of(
        "seed-202-order", sd.seed("POST", "/sd").header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"" + ORDER + "\",\"data\":{\"shipTo\":{\"city\":\"Berlin\"}}}")),
        "seed-202-batch-contexts", sd.seed("POST", "/sd/{}").segment("app").header("Content-Type", "text/plain")
            .body(utf8("[{\"schema\":\"iglu:com.acme/checkout/jsonschema/1-0-0\",\"data\":{\"total\":1},"
                + "\"contexts\":[{\"schema\":\"iglu:com.acme/user/jsonschema/1-0-0\",\"data\":{\"id\":\"u\"}}],"
                + "\"id\":\"e-1\",\"sentAt\":\"2026-01-01T00:00:00+02:00\"},"
                + "{\"schema\":\"com.acme/web/signup.v1.json\",\"data\":{\"email\":\"a@b.example\"}}]")),
        "seed-400-bad-schema-uri", sd.seed("POST", "/sd").header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"http://x/y.json\",\"data\":{}}")),
        "seed-400-unknown-field", sd.seed("POST", "/sd").header("Content-Type", "application/json")
            .body(utf8("{\"schema\":\"" + ORDER + "\",\"data\":{},\"extra\":1}"))));

    FuzzRequest ces = CollectorFuzzTest.CLOUDEVENTS_STRUCTURED;
    all.put("cloudEventsStructured", Map.of(
        "seed-202-structured", ces.seed("POST", "/cloudevents")
            .header("Content-Type", CloudEventsInput.STRUCTURED).body(utf8(STRUCTURED_EVENT)),
        "seed-202-base64", ces.seed("POST", "/cloudevents/{}").segment("billing")
            .header("Content-Type", CloudEventsInput.STRUCTURED + "; charset=utf-8")
            .body(utf8("{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"urn:x\",\"type\":\"t\","
                + "\"datacontenttype\":\"application/octet-stream\",\"data_base64\":\"AAEC\"}")),
        "seed-400-specversion", ces.seed("POST", "/cloudevents").header("Content-Type", CloudEventsInput.STRUCTURED)
            .body(utf8("{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}"))));

    FuzzRequest ceb = CollectorFuzzTest.CLOUDEVENTS_BATCH;
    all.put("cloudEventsBatch", Map.of(
        "seed-202-batch", ceb.seed("POST", "/cloudevents").header("Content-Type", CloudEventsInput.BATCH)
            .body(utf8("[" + STRUCTURED_EVENT + ",{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/s\","
                + "\"type\":\"t\",\"data\":\"text\"},{\"id\":3}]")),
        "seed-202-empty", ceb.seed("POST", "/cloudevents").header("Content-Type", CloudEventsInput.BATCH)
            .body(utf8("[]")),
        "seed-400-object", ceb.seed("POST", "/cloudevents").header("Content-Type", CloudEventsInput.BATCH)
            .body(utf8(STRUCTURED_EVENT))));

    FuzzRequest bin = CollectorFuzzTest.CLOUDEVENTS_BINARY;
    all.put("cloudEventsBinary", Map.of(
        "seed-202-json", binary(bin, "1.0").header("Content-Type", "application/json")
            .header("ce-time", "2026-01-01T00:00:00Z").header("ce-dataschema", ORDER)
            .header("ce-tenant", "t1").body(utf8("{\"shipTo\":{}}")),
        "seed-202-text", binary(bin, "1.0").header("Content-Type", "text/plain; charset=utf-8")
            .header("ce-subject", "%E2%82%AC%20price").body(utf8("héllo")),
        "seed-202-octets", binary(bin, "1.0").header("Content-Type", "application/octet-stream")
            .body(new byte[] {0, 1, 2, (byte) 0xff}),
        "seed-400-specversion", binary(bin, "0.3").header("Content-Type", "application/json")
            .body(utf8("{}"))));

    FuzzRequest w = CollectorFuzzTest.WEBHOOK;
    all.put("webhook", Map.of(
        "seed-202-shop", w.seed("POST", "/webhook/shop").header("Content-Type", "application/json")
            .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .body(utf8("{\"shipTo\":{\"street\":\"Main St 1\"}}")),
        "seed-202-unmapped", w.seed("POST", "/webhook/{}").segment("stripe").header("Content-Type", "text/plain")
            .body(utf8("{\"id\":\"evt_1\",\"type\":\"charge.succeeded\",\"data\":[1,2.5,null,true]}")),
        "seed-400-name", w.seed("POST", "/webhook/{}").segment("bad name").header("Content-Type", "application/json")
            .body(utf8("{}")),
        "seed-400-malformed", w.seed("POST", "/webhook/shop").header("Content-Type", "application/json")
            .body(utf8("{\"a\":1,\"a\":2}"))));

    FuzzRequest p = CollectorFuzzTest.PIXEL;
    String data = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8("{\"shipTo\":{\"city\":\"Köln\"}}"));
    all.put("pixel", Map.of(
        "seed-200-open", p.seed("GET", "/pixel/{}").segment("open").query("campaign=spring&uid=42&uid=43&e=%C3%A9")
            .header("Referer", "https://mail.example/inbox").body(new byte[0]),
        "seed-200-order", p.seed("GET", "/pixel/order").query("data=" + data + "&source=mail").body(new byte[0]),
        "seed-302-redirect", p.seed("GET", "/pixel/{}").segment("click")
            .query("redirect=https%3A%2F%2Fshop.example%2Fsale%3Fa%3D1&campaign=x").body(new byte[0]),
        "seed-400-redirect-elsewhere", p.seed("GET", "/pixel/{}").segment("click")
            .query("redirect=https://elsewhere.example/").body(new byte[0])));

    FuzzRequest g = CollectorFuzzTest.GZIP;
    all.put("gzip", Map.of(
        "seed-202-collect", g.seed("POST", "/collect").header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json").body(Body.GZIP, utf8(TRACK)),
        "seed-200-batch", g.seed("POST", "/v1/batch").header("Content-Encoding", "GZIP")
            .header("Content-Type", "text/plain").body(Body.GZIP, utf8("{\"batch\":[" + TRACK + "," + TRACK + "]}")),
        "seed-202-sd", g.seed("POST", "/sd").header("Content-Encoding", " gzip ")
            .header("Content-Type", "application/json")
            .body(Body.GZIP, utf8("{\"schema\":\"" + ORDER + "\",\"data\":{\"shipTo\":{}}}")),
        "seed-202-cloudevents", g.seed("POST", "/cloudevents").header("Content-Encoding", "gzip")
            .header("Content-Type", CloudEventsInput.STRUCTURED).body(Body.GZIP, utf8(STRUCTURED_EVENT)),
        "seed-202-webhook", g.seed("POST", "/webhook/shop").header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json").body(Body.GZIP, utf8("{\"shipTo\":{}}")),
        "seed-400-not-gzip", g.seed("POST", "/collect").header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json").body(utf8(TRACK)),
        "seed-415-x-gzip", g.seed("POST", "/collect").header("Content-Encoding", "x-gzip")
            .header("Content-Type", "application/json").body(Body.GZIP, utf8(TRACK))));
    return all;
  }

  private static FuzzRequest.Seed binary(FuzzRequest shape, String specversion) {
    return shape.seed("POST", "/cloudevents").header("ce-specversion", specversion)
        .header("ce-id", "A234-1234-1234").header("ce-source", "/mycontext").header("ce-type", "com.example.someevent");
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @EnabledIfSystemProperty(named = FuzzCorpus.WRITE_SEEDS, matches = "true")
  void writeSeeds() {
    seeds().forEach((target, byName) -> byName.forEach((name, data) -> FuzzCorpus.write(CollectorFuzzTest.class, target,
        name, data)));
  }

  @Test
  void seedsAreCommitted() {
    seeds().forEach((target, byName) -> byName.forEach((name, data) -> assertThat(Arrays.equals(FuzzCorpus.committed(
        CollectorFuzzTest.class, target, name), data))
        .as("%s/%s is committed as written; after changing a target's request shape, rewrite the seeds with "
            + "-D%s=true", target, name, FuzzCorpus.WRITE_SEEDS).isTrue()));
  }
}
