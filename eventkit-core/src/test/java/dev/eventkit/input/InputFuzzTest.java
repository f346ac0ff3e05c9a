package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.SchemasEndpoint;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.HttpSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
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
 * Seeded random and truncated requests to every input: each is answered 2xx or 4xx, never anything else; every
 * error is JSON that names its code, never HTML and never an exception's name; and every event a 2xx counted as
 * accepted reaches a sink (valid or invalid). The requests include bytes that are not UTF-8 (overlong forms,
 * surrogates, stray continuation bytes, cut sequences), malformed percent-escapes in query strings, too many query
 * parameters and header values of 100 KB. Every tenth request goes over real HTTP to the JDK server adapter.
 */
class InputFuzzTest {

  private static final int ROUNDS = 600;
  private static final String[] SCHEMAS = {
      "iglu:com.acme/checkout/jsonschema/1-0-0", "iglu:com.acme/user/jsonschema/1-0-0",
      "iglu:com.acme/broken/jsonschema/1-0-0", "iglu:com.acme/unpublished/jsonschema/1-0-0",
      "iglu:org.down/x/jsonschema/1-0-0", "com.acme/web/signup.v1.json", "http://x/y.json", "iglu:bad", "", "a/../b"};

  /** Byte sequences that are not UTF-8; Jackson alone would decode the first three as '<', '<' and a surrogate. */
  private static final byte[][] NOT_UTF8 = {
      {(byte) 0xc0, (byte) 0xbc}, {(byte) 0xe0, (byte) 0x80, (byte) 0xbc}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xff}};
  /** Query fragments with broken or hostile escapes. */
  private static final String[] BAD_ESCAPES = {"%", "100%", "%zz", "%4", "%%", "%C0%BC", "%E2%82", "%ED%A0%80",
      "%F4%90%80%80", "%00", "50%25%"};

  private static TestCollector server;
  private static long accepted;
  private static int round;
  private static final Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    // One source is a schema server that is not there: lookups through it must degrade, never fail requests.
    SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create())
        .source(HttpSchemaSource.of("http://127.0.0.1:9"), 1, "org.down").build();
    server = new TestCollector(registry, SegmentInput.create(), SelfDescribingInput.create(), CloudEventsInput.create(),
        WebhookInput.builder().hook("shop", SCHEMAS[0]).build(),
        PixelInput.builder().pixel("order", SCHEMAS[0]).build(), SchemasEndpoint.create(registry));
  }

  @AfterAll
  static void stop() throws Exception {
    List<dev.eventkit.event.Envelope> all = new ArrayList<>(server.flushValid());
    all.addAll(server.flushInvalid());
    long delivered = all.size();
    server.close();
    assertThat(delivered).as("events accepted with a 2xx and delivered").isEqualTo(accepted);
    for (dev.eventkit.event.Envelope e : all) {
      // No generator writes '<': one in a stored event was decoded from an overlong sequence (C0 BC, %C0%BC).
      assertThat(e.payloadJson() + e.attributes() + e.contexts()).as("event %s", e.id()).doesNotContain("<");
      assertThat(e.userAgent() == null ? 0 : e.userAgent().length()).as("a kept user agent").isLessThanOrEqualTo(1024);
      assertThat(e.clientIp() == null ? 0 : e.clientIp().length()).as("a kept client address").isLessThanOrEqualTo(64);
    }
    // The fuzzing reaches both sides: many events accepted, many requests refused.
    assertThat(accepted).isGreaterThan(200);
    assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(200);
    System.out.println("fuzz statuses " + new java.util.TreeMap<>(statuses) + ", accepted events " + accepted);
  }

  /** What came back: from the collector in process, or parsed off the wire. */
  private record Answer(int status, String contentType, String retryAfter, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private static void check(String method, String path, String query, Map<String, String> headers, byte[] body) {
    Answer r;
    if (round++ % 10 == 0) {
      r = overHttp(method, path, query, headers, body);
    } else {
      HttpResponse h = server.handle(method, path, query, headers, body);
      r = new Answer(h.status(), h.header("Content-Type"), h.header("Retry-After"), h.body());
    }
    statuses.merge(r.status(), 1, Integer::sum);
    String request = method + " " + path + "?" + (query == null ? "" : query.substring(0, Math.min(200,
        query.length()))) + " " + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    // Never HTML, and no error names an exception: whatever the status, the answer is the collector's own. (The
    // schema pages' source diagnostics do name one, such as a lastError of "ConnectException", on a 200.)
    assertThat(r.text()).as(request).doesNotContain("<h1>", "<html");
    if (r.status() >= 400) {
      assertThat(r.text()).as(request).doesNotContainPattern("[A-Za-z]+Exception");
    }
    if (r.status() == 503 && path.startsWith("/schemas/")) {
      // The human route says honestly that a schema's only source is down; event inputs never answer 5xx.
      assertThat(Json.read(r.text()).path("error").path("code").asText()).isEqualTo("schema_unavailable");
      assertThat(r.retryAfter()).isNotNull();
      return;
    }
    assertThat(r.status()).as(request).satisfies(s -> assertThat(s / 100 == 2 || s / 100 == 4).isTrue());
    String type = headers.getOrDefault("Content-Type", "");
    boolean jsonBody = type.contains("json") || type.startsWith("text/plain") && !path.startsWith("/cloudevents");
    if (jsonBody && !isUtf8(body)) {
      assertThat(r.status() / 100).as("a JSON body that is not UTF-8 is refused: %s", request).isEqualTo(4);
    }
    if (query != null && query.split("&").length > 500) {
      assertThat(r.status()).as("too many query parameters").isEqualTo(400);
    }
    if (r.status() / 100 == 4) {
      assertThat(r.contentType()).as("every error is JSON: %s", request).isEqualTo("application/json");
      JsonNode json = Json.read(r.text());
      assertThat(json.path("error").path("code").asText().isEmpty() && json.path("rejected").isEmpty())
          .as("a 4xx names its error").isFalse();
      assertThat(r.body().length).as("an answer stays small").isLessThan(32 * 1024);
    } else if ("application/json".equals(r.contentType())) {
      JsonNode json = Json.read(r.text());
      if (r.status() / 100 == 2) { // 202, or 200 on the Segment API routes
        accepted += json.path("accepted").asLong();
      }
    } else if ("image/gif".equals(r.contentType())) {
      accepted++;
    }
  }

  /**
   * Sends a request over a socket to the JDK server adapter. The JDK server refuses, with its own HTML, a request
   * target that is not a valid URI before any handler runs, so the path and query are escaped as a URI requires
   * (a stray '%' becomes %25); everything else — headers of any size, bodies of any bytes — goes as generated.
   */
  private static Answer overHttp(String method, String path, String query, Map<String, String> headers,
      byte[] body) {
    String target = uriEscape(path, false) + (query == null ? "" : "?" + uriEscape(query, true));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nContent-Length: " + body.length + "\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.uri("/").getPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(out.toByteArray());
      socket.getOutputStream().flush();
      byte[] raw = socket.getInputStream().readAllBytes();
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      assertThat(split).as("a complete answer to %s %s", method, target).isPositive();
      String[] lines = text.substring(0, split).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> h = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        h.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
      return new Answer(status, h.get("Content-Type"), h.get("Retry-After"),
          java.util.Arrays.copyOfRange(raw, split + 4, raw.length));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Escapes what a URI may not hold; in a query, '&', '=', '+' and well-formed escapes stay as they are. */
  private static String uriEscape(String s, boolean query) {
    StringBuilder b = new StringBuilder();
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int c = bytes[i] & 0xff;
      boolean escape = c == '%' && i + 2 < bytes.length && Character.digit(bytes[i + 1], 16) >= 0
          && Character.digit(bytes[i + 2], 16) >= 0;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/:,".indexOf(c) >= 0
          || (query && "&=+".indexOf(c) >= 0) || (query && escape)) {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  private static boolean isUtf8(byte[] body) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)); // reports malformed input
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** Headers as given, sometimes with one of 100 KB or with text the JDK server reads as ISO-8859-1. */
  private static Map<String, String> hostile(Random rnd, Map<String, String> headers) {
    Map<String, String> h = new HashMap<>(headers);
    switch (rnd.nextInt(12)) {
      case 0 -> h.put("User-Agent", "Mozilla/5.0 " + "u".repeat(100_000));
      case 1 -> h.put("Referer", "https://r.example/" + "r".repeat(100_000));
      case 2 -> h.put("X-Forwarded-For", "f".repeat(100_000));
      case 3 -> h.put("User-Agent", "agent/1 café \u20ac");
      case 4 -> h.put("X-Big", "b".repeat(100_000));
      default -> {}
    }
    return h;
  }

  /** A query string of more parameters than the collector takes. */
  private static String tooManyParameters(Random rnd) {
    StringBuilder q = new StringBuilder();
    for (int i = 0; i < 501 + rnd.nextInt(600); i++) {
      q.append(i == 0 ? "" : "&").append('k').append(i).append("=v");
    }
    return q.toString();
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

  /** The body as generated, truncated, with a random byte, or with a sequence that is not UTF-8 spliced in. */
  private static byte[] mangle(Random rnd, String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    switch (rnd.nextInt(5)) {
      case 0:
        return java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 1:
        if (b.length > 0) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
      case 2: {
        // Inside a string value when there is one, so that only the encoding is wrong.
        int quote = json.indexOf('"', json.indexOf('"') + 1);
        int at = quote > 0 && rnd.nextBoolean() ? quote : rnd.nextInt(b.length + 1);
        at = Math.min(at, b.length);
        byte[] bad = NOT_UTF8[rnd.nextInt(NOT_UTF8.length)];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(b, 0, at);
        out.writeBytes(bad);
        out.write(b, at, b.length - at);
        return out.toByteArray();
      }
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
      check("POST", path.endsWith("/") ? "/sd" : path, rnd.nextInt(20) == 0 ? tooManyParameters(rnd) : null,
          hostile(rnd, Map.of("Content-Type", types[rnd.nextInt(types.length)])), mangle(rnd, body));
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
      check("POST", rnd.nextInt(6) == 0 ? "/cloudevents/s-" + rnd.nextInt(3) : "/cloudevents", null,
          hostile(rnd, headers), mangle(rnd, body));
      return null;
    });
  }

  @Test
  void webhook() {
    Random rnd = new Random(37);
    String[] names = {"shop", "other", "bad name", "x".repeat(200), "ok.name-1"};
    fuzz(() -> {
      check("POST", "/webhook/" + names[rnd.nextInt(names.length)], null,
          hostile(rnd, Map.of("Content-Type", rnd.nextInt(5) == 0 ? "image/png" : "application/json")),
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
            : rnd.nextInt(3) == 0 ? randomText(rnd, 4) + BAD_ESCAPES[rnd.nextInt(BAD_ESCAPES.length)]
                : randomText(rnd, 12);
        q.append(i > 1 ? "&" : "").append(key).append('=').append(value);
      }
      String name = rnd.nextInt(4) == 0 ? randomText(rnd, 6).replace("/", "") : rnd.nextBoolean() ? "order" : "open";
      check("GET", "/pixel/" + (name.isEmpty() ? "x" : name), rnd.nextInt(25) == 0 ? tooManyParameters(rnd)
          : q.toString(), hostile(rnd, Map.of()), new byte[0]);
      return null;
    });
  }

  @Test
  void segment() {
    Random rnd = new Random(67);
    String[] paths = {"/collect", "/collect/s-1", "/v1/track", "/v1/batch", "/v1/identify", "/collect/bad name"};
    String[] types = {"track", "identify", "page", "screen", "group", "alias", "nope"};
    fuzz(() -> {
      StringBuilder event = new StringBuilder("{\"type\":\"" + types[rnd.nextInt(types.length)] + "\"");
      if (rnd.nextInt(4) > 0) {
        event.append(",\"event\":\"e").append(rnd.nextInt(9)).append('"');
      }
      if (rnd.nextInt(4) > 0) {
        event.append(rnd.nextBoolean() ? ",\"userId\":\"u\"" : ",\"anonymousId\":\"a\"");
      }
      if (rnd.nextBoolean()) {
        event.append(",\"properties\":").append(randomJson(rnd, 1));
      }
      String one = event.append('}').toString();
      String path = paths[rnd.nextInt(paths.length)];
      String body = path.equals("/v1/batch") ? "{\"batch\":[" + one + "," + randomJson(rnd, 0) + "]}"
          : rnd.nextInt(3) == 0 ? "[" + one + "," + randomJson(rnd, 0) + "]" : rnd.nextInt(5) == 0
              ? randomJson(rnd, 0) : one;
      check("POST", path, rnd.nextInt(20) == 0 ? tooManyParameters(rnd) : null,
          hostile(rnd, Map.of("Content-Type", rnd.nextInt(8) == 0 ? "application/xml" : "application/json")),
          mangle(rnd, body));
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
