package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.HttpSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.http.SchemasEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and truncated requests to every input: each is answered 2xx or 4xx, never anything else, and every
 * event a 2xx counted as accepted reaches a sink (valid or invalid).
 */
class InputFuzzTest {

  private static final int ROUNDS = 600;
  private static final String[] SCHEMAS = {
    "iglu:com.acme/checkout/jsonschema/1-0-0", "iglu:com.acme/user/jsonschema/1-0-0",
    "iglu:com.acme/broken/jsonschema/1-0-0", "iglu:com.acme/unpublished/jsonschema/1-0-0",
    "iglu:org.down/x/jsonschema/1-0-0", "com.acme/web/signup.v1.json", "http://x/y.json", "iglu:bad", "", "a/../b"};

  private static TestCollector server;
  private static long accepted;
  private static final Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    // One source is a schema server that is not there: lookups through it must degrade, never fail requests.
    SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create())
        .source(HttpSchemaSource.of("http://127.0.0.1:9"), 1, "org.down").build();
    server = new TestCollector(registry, SelfDescribingInput.create(), CloudEventsInput.create(),
        WebhookInput.builder().hook("shop", SCHEMAS[0]).build(),
        PixelInput.builder().pixel("order", SCHEMAS[0]).build(), SchemasEndpoint.create(registry));
  }

  @AfterAll
  static void stop() throws Exception {
    long delivered = server.flushValid().size() + server.flushInvalid().size();
    server.close();
    assertThat(delivered).as("events accepted with a 2xx and delivered").isEqualTo(accepted);
    // The fuzzing reaches both sides: many events accepted, many requests refused.
    assertThat(accepted).isGreaterThan(200);
    assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(200);
    System.out.println("fuzz statuses " + new java.util.TreeMap<>(statuses) + ", accepted events " + accepted);
  }

  private static void check(String method, String path, String query, Map<String, String> headers, byte[] body) {
    HttpResponse r = server.handle(method, path, query, headers, body);
    statuses.merge(r.status(), 1, Integer::sum);
    if (r.status() == 503 && path.startsWith("/schemas/")) {
      // The human route says honestly that a schema's only source is down; event inputs never answer 5xx.
      assertThat(Json.read(r.bodyText()).path("error").path("code").asText()).isEqualTo("schema_unavailable");
      assertThat(r.header("Retry-After")).isNotNull();
      return;
    }
    assertThat(r.status()).as("%s %s?%s %s", method, path, query, new String(body, StandardCharsets.UTF_8))
        .satisfies(s -> assertThat(s / 100 == 2 || s / 100 == 4).isTrue());
    if (r.status() / 100 == 4 || r.status() == 202 || r.status() == 200) {
      String type = r.header("Content-Type");
      if ("application/json".equals(type)) {
        JsonNode json = Json.read(r.bodyText());
        if (r.status() == 202) {
          accepted += json.path("accepted").asLong();
        } else if (r.status() >= 400) {
          assertThat(json.path("error").path("code").asText().isEmpty() && json.path("rejected").isEmpty())
              .as("a 4xx names its error").isFalse();
        }
      } else if ("image/gif".equals(type)) {
        accepted++;
      }
    }
  }

  /** A random JSON document, often shaped like what the input expects. */
  private static String randomJson(Random rnd, int depth) {
    switch (rnd.nextInt(depth > 3 ? 5 : 9)) {
      case 0:
        return Integer.toString(rnd.nextInt(2000) - 1000);
      case 1:
        return "\"" + randomText(rnd, 8).replace("\\", "").replace("\"", "") + "\"";
      case 2:
        return rnd.nextBoolean() ? "true" : "null";
      case 3:
        return Double.toString(rnd.nextDouble() * 100);
      case 4:
        return "\"" + SCHEMAS[rnd.nextInt(SCHEMAS.length)] + "\"";
      case 5: {
        List<String> items = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          items.add(randomJson(rnd, depth + 1));
        }
        return "[" + String.join(",", items) + "]";
      }
      default: {
        String[] keys = {"schema", "data", "contexts", "id", "sentAt", "orderId", "total", "specversion", "source",
            "type", "time", "dataschema", "data_base64", "subject", "x" + rnd.nextInt(5), "Bad_Name"};
        List<String> fields = new ArrayList<>();
        for (int i = rnd.nextInt(6); i > 0; i--) {
          String k = keys[rnd.nextInt(keys.length)];
          String v = k.equals("specversion") && rnd.nextBoolean() ? "\"1.0\"" : randomJson(rnd, depth + 1);
          fields.add("\"" + k + "\":" + v);
        }
        return "{" + String.join(",", new java.util.LinkedHashSet<>(fields)) + "}";
      }
    }
  }

  private static String randomText(Random rnd, int max) {
    StringBuilder b = new StringBuilder();
    String alphabet = "abcXYZ019-_.:/%+=&?# é\u0000\u2028\"\\{}[]";
    for (int i = rnd.nextInt(max + 1); i > 0; i--) {
      b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** The body as generated, truncated, or with random bytes spliced in. */
  private static byte[] mangle(Random rnd, String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    switch (rnd.nextInt(4)) {
      case 0:
        return java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 1:
        if (b.length > 0) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
      default:
        return b;
    }
  }

  private static void fuzz(Supplier<Void> round) {
    for (int i = 0; i < ROUNDS; i++) {
      round.get();
    }
  }

  @Test
  void selfDescribing() {
    Random rnd = new Random(11);
    String[] types = {"application/json", "text/plain", "application/xml", "text/plain; charset=utf-8"};
    fuzz(() -> {
      String body = rnd.nextInt(3) == 0
          ? "{\"schema\":\"" + SCHEMAS[rnd.nextInt(SCHEMAS.length)] + "\",\"data\":" + randomJson(rnd, 1)
              + (rnd.nextBoolean() ? ",\"contexts\":[" + randomJson(rnd, 1) + "]" : "") + "}"
          : rnd.nextBoolean() ? "[" + randomJson(rnd, 0) + "," + randomJson(rnd, 0) + "]" : randomJson(rnd, 0);
      String path = rnd.nextInt(5) == 0 ? "/sd/" + randomText(rnd, 6).replace("/", "") : "/sd";
      check("POST", path.endsWith("/") ? "/sd" : path, null,
          Map.of("Content-Type", types[rnd.nextInt(types.length)]), mangle(rnd, body));
      return null;
    });
  }

  @Test
  void cloudEvents() {
    Random rnd = new Random(23);
    String[] types = {CloudEventsInput.STRUCTURED, CloudEventsInput.BATCH, "application/json", "text/plain",
        "application/octet-stream"};
    fuzz(() -> {
      Map<String, String> headers = new HashMap<>();
      headers.put("Content-Type", types[rnd.nextInt(types.length)]);
      if (rnd.nextBoolean()) {
        headers.put("ce-specversion", rnd.nextInt(4) == 0 ? "0.3" : "1.0");
        for (String a : new String[] {"id", "source", "type", "time", "dataschema", "subject", "Ext_1", "ext"}) {
          if (rnd.nextInt(3) > 0) {
            headers.put("ce-" + a, a.equals("dataschema") ? SCHEMAS[rnd.nextInt(SCHEMAS.length)]
                : a.equals("time") && rnd.nextBoolean() ? "2026-01-01T00:00:00Z" : randomText(rnd, 10));
          }
        }
      }
      String event = "{\"specversion\":\"1.0\",\"id\":\"" + rnd.nextInt(50) + "\",\"source\":\"/s\",\"type\":\"t\""
          + (rnd.nextBoolean() ? ",\"dataschema\":\"" + SCHEMAS[rnd.nextInt(SCHEMAS.length)] + "\"" : "")
          + (rnd.nextBoolean() ? ",\"data\":" + randomJson(rnd, 1) : "")
          + (rnd.nextInt(4) == 0 ? ",\"data_base64\":\"" + randomText(rnd, 6).replace("\"", "") + "\"" : "") + "}";
      String body = rnd.nextInt(3) == 0 ? randomJson(rnd, 0)
          : headers.get("Content-Type").equals(CloudEventsInput.BATCH) ? "[" + event + "," + randomJson(rnd, 0) + "]"
          : event;
      check("POST", rnd.nextInt(6) == 0 ? "/cloudevents/s-" + rnd.nextInt(3) : "/cloudevents", null, headers,
          mangle(rnd, body));
      return null;
    });
  }

  @Test
  void webhook() {
    Random rnd = new Random(37);
    String[] names = {"shop", "other", "bad name", "x".repeat(200), "ok.name-1"};
    fuzz(() -> {
      check("POST", "/webhook/" + names[rnd.nextInt(names.length)], null,
          Map.of("Content-Type", rnd.nextInt(5) == 0 ? "image/png" : "application/json"),
          mangle(rnd, randomJson(rnd, 0)));
      return null;
    });
  }

  @Test
  void pixel() {
    Random rnd = new Random(41);
    fuzz(() -> {
      StringBuilder q = new StringBuilder();
      for (int i = rnd.nextInt(6); i > 0; i--) {
        String key = rnd.nextInt(4) == 0 ? "data" : rnd.nextInt(6) == 0 ? "redirect" : randomText(rnd, 5);
        String value = key.equals("data") && rnd.nextBoolean()
            ? Base64.getUrlEncoder().encodeToString(mangle(rnd, randomJson(rnd, 0)))
            : randomText(rnd, 12);
        q.append(i > 1 ? "&" : "").append(key).append('=').append(value);
      }
      String name = rnd.nextInt(4) == 0 ? randomText(rnd, 6).replace("/", "") : rnd.nextBoolean() ? "order" : "open";
      check("GET", "/pixel/" + (name.isEmpty() ? "x" : name), q.toString(), Map.of(), new byte[0]);
      return null;
    });
  }

  @Test
  void schemaRoutes() {
    Random rnd = new Random(53);
    fuzz(() -> {
      String uri = rnd.nextBoolean() ? SCHEMAS[rnd.nextInt(SCHEMAS.length)] : randomText(rnd, 30);
      check("GET", "/schemas/" + uri, null, Map.of(), new byte[0]);
      return null;
    });
  }
}
