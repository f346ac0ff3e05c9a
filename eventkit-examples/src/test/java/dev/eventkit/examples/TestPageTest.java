package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.Pipeline;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.sink.InMemorySink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test page's routes without a browser: who may see them, what the recent-envelopes route shows (sink,
 * validation, lag; no envelope id, client address or agent), and that nothing is mounted or recorded when it is off.
 */
class TestPageTest {

  @TempDir
  Path data;

  private static HttpResponse get(Collector c, String path, String from) {
    int q = path.indexOf('?');
    HttpRequest.Builder b = HttpRequest.builder("GET", q < 0 ? path : path.substring(0, q)).remoteAddress(from);
    if (q >= 0) {
      b.rawQuery(path.substring(q + 1));
    }
    return c.handle(b.build()).join();
  }

  private interface WithCollector {
    void run(Collector c, Pipeline pipeline) throws Exception;
  }

  private void withCollector(ToolsConfig tools, WithCollector body) throws Exception {
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_DATA_DIR", data.toString()));
    SchemaRegistry registry = CollectorServer.registry(config);
    RecentEnvelopes recent = CollectorServer.recentEnvelopes(tools);
    try (Pipeline pipeline = CollectorServer.pipeline(config, registry, null, recent).start()) {
      body.run(CollectorServer.collector(config, pipeline, registry, null, tools, recent), pipeline);
    }
  }

  @Test
  void onByDefaultForLoopbackClientsOnly() throws Exception {
    withCollector(ToolsConfig.fromEnvironment(Map.of()), (c, p) -> {
      HttpResponse page = get(c, "/", "127.0.0.1");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'");
      assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("/test-page/assets/sp.js");
      assertThat(get(c, "/", "::1").status()).isEqualTo(200);
      for (String path : List.of("/", "/test-page/envelopes", "/test-page/assets/sp.js")) {
        HttpResponse remote = get(c, path, "203.0.113.7");
        assertThat(remote.status()).as(path).isEqualTo(404);
        assertThat(Json.read(new String(remote.body(), StandardCharsets.UTF_8)).at("/error/code").asText())
            .isEqualTo("not_found");
      }
    });
  }

  @Test
  void anyServesEveryClientAndOffMountsNothing() throws Exception {
    withCollector(ToolsConfig.fromEnvironment(Map.of("EVENTKIT_TEST_PAGE", "any")),
        (c, p) -> assertThat(get(c, "/", "203.0.113.7").status()).isEqualTo(200));
    ToolsConfig off = ToolsConfig.fromEnvironment(Map.of("EVENTKIT_TEST_PAGE", "off"));
    assertThat(CollectorServer.recentEnvelopes(off)).isNull();
    withCollector(off, (c, p) -> {
      assertThat(get(c, "/", "127.0.0.1").status()).isEqualTo(404);
      assertThat(get(c, "/test-page/envelopes", "127.0.0.1").status()).isEqualTo(404);
      assertThat(c.routes()).noneMatch(r -> r.template().equals("/") || r.template().startsWith("/test-page"));
    });
  }

  @Test
  void servesTheBundledTrackerWithItsLicence() throws Exception {
    withCollector(ToolsConfig.defaults(), (c, p) -> {
      HttpResponse tracker = get(c, "/test-page/assets/sp.js", "127.0.0.1");
      assertThat(tracker.status()).as("the build bundled the tracker").isEqualTo(200);
      assertThat(tracker.header("Content-Type")).startsWith("text/javascript");
      assertThat(new String(tracker.body(), StandardCharsets.UTF_8)).contains("snowplowBrowserTracking");
      HttpResponse licence = get(c, "/test-page/assets/sp-LICENSE.txt", "127.0.0.1");
      assertThat(new String(licence.body(), StandardCharsets.UTF_8)).contains("Snowplow Analytics");
      assertThat(get(c, "/test-page/assets/..%2Fpage.js", "127.0.0.1").status()).isEqualTo(404);
      assertThat(get(c, "/test-page/assets/index.html", "127.0.0.1").status()).isEqualTo(404);
    });
  }

  @Test
  void listsWhatTheSinksDeliveredAfterASequenceNumber() throws Exception {
    withCollector(ToolsConfig.defaults(), (c, p) -> {
      HttpResponse sent = c.handle(HttpRequest.builder("POST", "/sd").header("Content-Type", "application/json")
          .remoteAddress("127.0.0.1").header("User-Agent", "test-agent/1.0")
          .body(("[{\"schema\":\"iglu:dev.eventkit.example/button_click/jsonschema/1-0-0\",\"data\":{\"button\":"
              + "\"buy\"}},{\"schema\":\"iglu:dev.eventkit.example/button_click/jsonschema/1-0-0\",\"data\":{}}]")
              .getBytes(StandardCharsets.UTF_8)).build()).join();
      assertThat(sent.status()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(10)).until(() -> recent(c, 0).path("envelopes").size() == 2);
      JsonNode body = recent(c, 0);
      // The two sinks deliver independently: either may come first.
      JsonNode first = body.path("envelopes").get(0);
      boolean validFirst = first.path("sink").asText().equals("file");
      JsonNode valid = body.path("envelopes").get(validFirst ? 0 : 1);
      JsonNode invalid = body.path("envelopes").get(validFirst ? 1 : 0);
      assertThat(valid.path("sink").asText()).isEqualTo("file");
      assertThat(valid.at("/validation/status").asText()).isEqualTo("valid");
      assertThat(valid.at("/payload/button").asText()).isEqualTo("buy");
      assertThat(valid.path("lagMillis").asLong()).isBetween(0L, 10_000L);
      assertThat(invalid.path("sink").asText()).isEqualTo("invalid");
      assertThat(invalid.at("/validation/error").asText()).isEqualTo("payload_invalid");
      String text = body.toString();
      assertThat(text).doesNotContain("127.0.0.1").doesNotContain("test-agent").doesNotContain("\"id\"");
      assertThat(recent(c, body.path("last").asLong()).path("envelopes")).isEmpty();
      assertThat(get(c, "/test-page/envelopes?after=x", "127.0.0.1").status()).isEqualTo(400);
    });
  }

  @Test
  void keepsOnlyTheLatestEntries() throws Exception {
    RecentEnvelopes recent = new RecentEnvelopes(2, Clock.systemUTC());
    InMemorySink sink = new InMemorySink("memory");
    List<Envelope> batch = List.of(event("a"), event("b"), event("c"));
    recent.tap(sink).write(batch).join();
    assertThat(sink.envelopes()).hasSize(3);
    JsonNode all = Json.read(recent.since(0).toString());
    assertThat(all.path("last").asLong()).isEqualTo(3);
    assertThat(all.path("envelopes")).extracting(e -> e.at("/payload/n").asText()).containsExactly("b", "c");
  }

  private static Envelope event(String n) {
    return Envelope.builder().protocol("test").payload(Json.object().put("n", n)).receivedAt(Instant.now())
        .build();
  }

  private static JsonNode recent(Collector c, long after) {
    HttpResponse r = get(c, "/test-page/envelopes?after=" + after, "127.0.0.1");
    assertThat(r.status()).isEqualTo(200);
    return Json.read(new String(r.body(), StandardCharsets.UTF_8));
  }
}
