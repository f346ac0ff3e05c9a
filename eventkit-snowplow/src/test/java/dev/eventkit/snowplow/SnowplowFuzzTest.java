package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded-random, truncated and mutated {@code tp2} bodies and {@code /i} query strings, a few thousand of each:
 * no answer is a 5xx, every request is appended whole (good events as events, the rest as failed events that keep
 * the raw input), and the collector's counts agree with its answers. Most requests go straight to
 * {@code Collector.handle} (the code path every HTTP host uses); a share goes over real HTTP. The inputs include
 * bodies with byte sequences that are not UTF-8 (refused as {@code malformed_utf8} and kept), malformed
 * percent-escapes in query strings, and 100 KB user agents (kept cut to 1,024 characters).
 */
class SnowplowFuzzTest {

  static final int DIRECT = 3000;
  static final int OVER_HTTP = 60;
  static final String PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
  static final String UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
  static final String CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
  static final String[] EVENT_TYPES = {"pv", "pp", "se", "ue", "tr", "ti", "ev", "xx", ""};
  static final String NOISE = "{}[]\":,=&%+/_-\\ \u0000\u00e9\u20ac\ud83d\ude00abcXYZ0129.eE";
  /** Byte sequences that are not UTF-8; Jackson alone would decode the first three as '<', '<' and a surrogate. */
  static final byte[][] NOT_UTF8 = {
      {(byte) 0xc0, (byte) 0xbc}, {(byte) 0xe0, (byte) 0x80, (byte) 0xbc}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xff}};
  /** Query values with broken or hostile escapes. */
  static final String[] BAD_ESCAPES = {"%", "100%", "%zz", "%4", "%%", "%C0%BC", "%E2%82", "%ED%A0%80", "50%25%"};
  static final String HUGE_AGENT = "Mozilla/5.0 " + "u".repeat(100_000);

  /** Totals over all requests, from the collector's answers and counters. */
  static final class Tally {
    long appended;
    long failed;
    final Set<String> sentRaw = new HashSet<>();
  }

  @Test
  void randomTp2BodiesNeverFailTheCollectorAndAreAllKept() throws Exception {
    Random random = new Random(20_240_501L);
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      Tally t = new Tally();
      for (int i = 0; i < DIRECT + OVER_HTTP; i++) {
        byte[] body = random.nextInt(8) == 0 ? notUtf8(tp2Body(random), random) : tp2Body(random);
        boolean utf8 = isUtf8(body);
        boolean hugeAgent = random.nextInt(10) == 0;
        t.sentRaw.add(new String(body, StandardCharsets.UTF_8));
        long before = c.pipeline.status().accepted();
        long invalidBefore = c.pipeline.status().invalid();
        int status;
        String text;
        String type;
        if (i < DIRECT) {
          HttpRequest.Builder b = HttpRequest.builder("POST", SnowplowInput.TP2_PATH)
              .header("Content-Type", "application/json").remoteAddress("127.0.0.1").body(body);
          if (hugeAgent) {
            b.header("User-Agent", HUGE_AGENT);
          }
          HttpResponse r = c.collector.handle(b.build()).join();
          status = r.status();
          text = r.bodyText();
          type = r.header("Content-Type");
        } else {
          var r = hugeAgent ? c.post(SnowplowInput.TP2_PATH, body, "User-Agent", HUGE_AGENT)
              : c.post(SnowplowInput.TP2_PATH, body);
          status = r.statusCode();
          text = new String(r.body(), StandardCharsets.UTF_8);
          type = r.headers().firstValue("Content-Type").orElse(null);
        }
        assertThat(status).as("answer to body #%d", i).isIn(200, 400);
        assertThat(type).as("every answer to a POST is JSON").isEqualTo("application/json");
        JsonNode answer = Json.read(text);
        if (!utf8) {
          assertThat(status).as("a body that is not UTF-8 is refused").isEqualTo(400);
          assertThat(answer.path("error").path("code").asText()).isEqualTo("malformed_utf8");
        }
        long appended = c.pipeline.status().accepted() - before;
        long failed = c.pipeline.status().invalid() - invalidBefore;
        if (status == 200) {
          assertThat(failed).isZero();
          assertThat(appended).isEqualTo(answer.path("accepted").asLong()).isPositive();
        } else {
          assertThat(failed).as("a refused body is kept as failed events").isPositive()
              .isEqualTo(answer.path("failed").asLong());
          assertThat(appended).isEqualTo(answer.path("accepted").asLong() + failed);
          assertThat(answer.path("error").path("message").asText()).isNotBlank();
        }
        t.appended += appended;
        t.failed += failed;
      }
      assertEverythingDelivered(c, t, false);
    }
  }

  @Test
  void randomPixelQueryStringsNeverFailTheCollectorAndAreAllKept() throws Exception {
    Random random = new Random(7_777L);
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      Tally t = new Tally();
      for (int i = 0; i < DIRECT + OVER_HTTP; i++) {
        String query = query(random);
        boolean hugeAgent = random.nextInt(10) == 0;
        long before = c.pipeline.status().accepted();
        long invalidBefore = c.pipeline.status().invalid();
        if (i < DIRECT) {
          HttpRequest.Builder b = HttpRequest.builder("GET", "/i").rawQuery(query).remoteAddress("127.0.0.1");
          if (hugeAgent) {
            b.header("User-Agent", HUGE_AGENT);
          }
          HttpResponse r = c.collector.handle(b.build()).join();
          assertThat(r.status()).as("answer to query #%d", i).isEqualTo(200);
          assertThat(r.header("Content-Type")).isEqualTo("image/gif");
          t.sentRaw.add(WellFormedText.of(query)); // lone surrogates are kept as U+FFFD
        } else {
          String safe = uriSafe(query);
          var r = hugeAgent ? c.get("/i?" + safe, "User-Agent", HUGE_AGENT) : c.get("/i?" + safe);
          assertThat(r.statusCode()).as("answer to query #%d", i).isEqualTo(200);
          t.sentRaw.add(safe);
        }
        assertThat(c.pipeline.status().accepted() - before).as("one event per pixel request").isEqualTo(1);
        t.appended += 1;
        t.failed += c.pipeline.status().invalid() - invalidBefore;
      }
      assertThat(t.failed).as("the generator produces both outcomes").isBetween(1L, t.appended - 1);
      assertEverythingDelivered(c, t, true);
    }
  }

  private static void assertEverythingDelivered(TestCollector c, Tally t, boolean rawIsWholeRequest)
      throws Exception {
    List<Envelope> good = c.events.awaitCount((int) (t.appended - t.failed), TestCollector.WAIT);
    List<Envelope> bad = c.invalid.awaitCount((int) t.failed, TestCollector.WAIT);
    c.drain();
    assertThat(c.events.envelopes()).hasSize(good.size());
    assertThat(c.invalid.envelopes()).hasSize(bad.size());
    assertThat(good).allSatisfy(e -> assertThat(e.validation().isInvalid()).isFalse());
    for (Envelope e : c.events.envelopes()) {
      assertThat(e.userAgent() == null ? 0 : e.userAgent().length()).isLessThanOrEqualTo(1024);
      assertThat(e.attributes().getOrDefault("snowplow.useragent", "").length()).isLessThanOrEqualTo(1024);
    }
    for (Envelope e : bad) {
      assertThat(e.validation().error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
      assertThat(e.validation().message()).isNotBlank()
          .as("no request hit the input's safety net").doesNotContain("could not read this request");
      JsonNode p = e.payload();
      assertThat(p.has("raw") || p.has("rawBase64")).isTrue();
      if (rawIsWholeRequest) {
        assertThat(t.sentRaw).contains(p.path("raw").asText());
      } else if (!p.has("index")) {
        // A body refused as a whole is kept byte for byte.
        if (p.has("raw")) {
          assertThat(t.sentRaw).contains(p.path("raw").asText());
        } else {
          assertThat(Base64.getDecoder().decode(p.path("rawBase64").asText())).isNotEmpty();
        }
      } else {
        assertThat(Json.read(p.path("raw").asText())).isNotNull();
      }
    }
  }

  // ---- generators ----

  static byte[] tp2Body(Random r) {
    int kind = r.nextInt(10);
    String valid = Json.write(payloadData(r));
    return switch (kind) {
      case 0, 1, 2 -> valid.getBytes(StandardCharsets.UTF_8);
      case 3, 4 -> valid.substring(0, r.nextInt(valid.length() + 1)).getBytes(StandardCharsets.UTF_8);
      case 5, 6 -> mutate(valid, r).getBytes(StandardCharsets.UTF_8);
      case 7 -> Json.write(randomJson(r, 0)).getBytes(StandardCharsets.UTF_8);
      case 8 -> {
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        yield b;
      }
      default -> {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("schema", r.nextBoolean() ? UNSTRUCT : PAYLOAD_DATA);
        o.set("data", r.nextBoolean() ? randomJson(r, 0) : event(r));
        yield Json.write(o).getBytes(StandardCharsets.UTF_8);
      }
    };
  }

  static ObjectNode payloadData(Random r) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", PAYLOAD_DATA);
    ArrayNode data = root.putArray("data");
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      ObjectNode e = event(r);
      if (r.nextInt(6) == 0) {
        e.set(pick(r, "dtm", "aid", "cx", "e", "co"), randomJson(r, 2)); // a non-string parameter
      }
      data.add(e);
    }
    return root;
  }

  static ObjectNode event(Random r) {
    Map<String, String> p = params(r);
    p.putIfAbsent("tv", "fuzz-1");
    p.putIfAbsent("p", "web");
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    p.forEach(o::put);
    return o;
  }

  static Map<String, String> params(Random r) {
    Map<String, String> p = new LinkedHashMap<>();
    String e = EVENT_TYPES[r.nextInt(EVENT_TYPES.length)];
    if (r.nextInt(12) != 0) {
      p.put("e", e);
    }
    if (r.nextBoolean()) {
      p.put("eid", r.nextInt(5) == 0 ? "not-a-uuid" : java.util.UUID.randomUUID().toString());
    }
    if (r.nextBoolean()) {
      p.put("dtm", r.nextInt(8) == 0 ? "yesterday" : Long.toString(1_700_000_000_000L + r.nextInt(1_000_000)));
    }
    if (r.nextBoolean()) {
      p.put("stm", Long.toString(1_700_000_000_000L + r.nextInt(1_000_000)));
    }
    if (r.nextInt(4) == 0) {
      p.put("url", pick(r, "https://a.example/p?utm_source=x#f", "not a url", "http://[::1", "//x", ""));
    }
    switch (e) {
      case "se", "ev" -> {
        p.put("se_ca", "c");
        p.put("se_ac", "a");
        p.put("se_va", pick(r, "1.5", "-2e3", "NaN", "1e999", "", "abc"));
      }
      case "tr" -> {
        p.put("tr_id", "o");
        p.put("tr_tt", pick(r, "10", "10.5", "ten"));
      }
      case "ti" -> {
        p.put("ti_id", "o");
        p.put("ti_sk", "s");
        p.put("ti_pr", "1");
        p.put("ti_qu", pick(r, "1", "2", "1.5", "99999999999999999999"));
      }
      case "pp" -> p.put("pp_mix", pick(r, "0", "-3", "x"));
      case "ue" -> {
        String inner = "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":\"iglu:com.acme/e/jsonschema/1-0-0\","
            + "\"data\":" + Json.write(randomJson(r, 1)) + "}}";
        if (r.nextInt(5) == 0) {
          inner = mutate(inner, r);
        }
        if (r.nextBoolean()) {
          p.put("ue_px", encode(inner, r));
        } else {
          p.put("ue_pr", inner);
        }
      }
      default -> {}
    }
    if (r.nextInt(3) == 0) {
      String ctx = "{\"schema\":\"" + CONTEXTS + "\",\"data\":[{\"schema\":\"iglu:com.acme/c/jsonschema/1-0-0\","
          + "\"data\":" + Json.write(randomJson(r, 1)) + "}]}";
      if (r.nextInt(5) == 0) {
        ctx = mutate(ctx, r);
      }
      if (r.nextBoolean()) {
        p.put("cx", encode(ctx, r));
      } else {
        p.put("co", ctx);
      }
    }
    if (r.nextInt(10) == 0) {
      p.put("p", pick(r, "web", "mob", "phone"));
    }
    return p;
  }

  static String encode(String text, Random r) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    String s = r.nextBoolean() ? Base64.getEncoder().encodeToString(b) : Base64.getUrlEncoder().encodeToString(b);
    if (r.nextBoolean()) {
      s = s.replace("=", "");
    }
    return r.nextInt(6) == 0 ? mutate(s, r) : s;
  }

  static String query(Random r) {
    Map<String, String> p = params(r);
    StringBuilder b = new StringBuilder();
    p.forEach((k, v) -> b.append(b.length() == 0 ? "" : "&").append(k).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    if (r.nextInt(5) == 0) {
      b.append("&x_").append(r.nextInt(9)).append('=').append(BAD_ESCAPES[r.nextInt(BAD_ESCAPES.length)]);
    }
    String q = b.toString();
    return switch (r.nextInt(6)) {
      case 0 -> q.substring(0, r.nextInt(q.length() + 1));
      case 1 -> mutate(q, r);
      case 2 -> noise(r, r.nextInt(80));
      default -> q;
    };
  }

  /** The body with a sequence that is not UTF-8 spliced in, inside a string value when there is one. */
  static byte[] notUtf8(byte[] body, Random r) {
    String text = new String(body, StandardCharsets.ISO_8859_1);
    int quote = text.indexOf('"', text.indexOf('"') + 1);
    int at = Math.min(quote > 0 && r.nextBoolean() ? quote : r.nextInt(body.length + 1), body.length);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(body, 0, at);
    out.writeBytes(NOT_UTF8[r.nextInt(NOT_UTF8.length)]);
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }

  static boolean isUtf8(byte[] body) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)); // reports malformed input
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  static String mutate(String s, Random r) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits && b.length() > 0; i++) {
      int at = r.nextInt(b.length());
      switch (r.nextInt(5)) {
        case 0 -> b.deleteCharAt(at);
        case 4 -> b.insert(at, "\\ud83d"); // a JSON escape of a lone surrogate
        case 1 -> b.insert(at, NOISE.charAt(r.nextInt(NOISE.length())));
        case 2 -> b.setCharAt(at, NOISE.charAt(r.nextInt(NOISE.length())));
        default -> b.setLength(at);
      }
    }
    return b.toString();
  }

  static String noise(Random r, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append(NOISE.charAt(r.nextInt(NOISE.length())));
    }
    return b.toString();
  }

  /** Percent-encodes what a URI may not hold, keeping the query's own structure ('&', '=', '%'). */
  static String uriSafe(String query) {
    StringBuilder b = new StringBuilder();
    for (byte x : query.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~&=+/:,".indexOf(c) >= 0) {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  static JsonNode randomJson(Random r, int depth) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    int kind = depth > 3 ? r.nextInt(4) : r.nextInt(6);
    return switch (kind) {
      case 0 -> f.textNode(noise(r, r.nextInt(12)));
      case 1 -> f.numberNode(r.nextInt(2000) - 1000);
      case 2 -> f.booleanNode(r.nextBoolean());
      case 3 -> f.nullNode();
      case 4 -> {
        ArrayNode a = f.arrayNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.add(randomJson(r, depth + 1));
        }
        yield a;
      }
      default -> {
        ObjectNode o = f.objectNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          o.set(pick(r, "e", "tv", "p", "schema", "data", "k" + r.nextInt(9)), randomJson(r, depth + 1));
        }
        yield o;
      }
    };
  }

  /** Whether bytes parse as JSON, for checking the generators. */
  static final class JsonBodyCheck {
    static boolean isJson(byte[] b) {
      return !dev.eventkit.internal.http.JsonBody.parse(b).isRejected();
    }
  }

  static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }

  @Test
  void generatorsProduceAllKindsOfInput() {
    Random r = new Random(1);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      bodies.add(tp2Body(r));
    }
    assertThat(bodies).anySatisfy(b -> assertThat(new String(b, StandardCharsets.UTF_8)).contains("\"ue_px\""));
    assertThat(bodies).anySatisfy(b -> assertThat(new String(b, StandardCharsets.UTF_8)).contains("\"cx\""));
    assertThat(bodies).anySatisfy(b -> assertThat(JsonBodyCheck.isJson(b)).isFalse());
    assertThat(bodies).anySatisfy(b -> assertThat(new String(b, StandardCharsets.UTF_8)).startsWith("{\"schema\":\""
        + PAYLOAD_DATA));
  }
}
