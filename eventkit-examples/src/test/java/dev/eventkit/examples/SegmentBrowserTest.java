package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.Collector;
import dev.eventkit.http.JdkHttpHandler;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import dev.eventkit.sink.InMemorySink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment's browser library, analytics.js ({@code @segment/analytics-next} from its npm package), in headless
 * Chromium on a page of another origin, pointed at the example collector as a site would point it at Segment
 * ({@code apiHost: "<collector>/v1"}): identify, track and page reach the sink with their properties, one request
 * per event, batched ({@code /v1/b}), and sent with {@code keepalive} as the page goes away.
 *
 * <p>{@code src/test/browser/install.sh} installs Debian's Chromium and the pinned npm packages (analytics-next,
 * puppeteer-core); the test skips, saying so, only when Chromium cannot be installed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SegmentBrowserTest {

  private static final Path BROWSER = BrowserTooling.DIR;
  private static final Path BUNDLES = BROWSER.resolve("node_modules/@segment/analytics-next/dist/umd");
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String WRITE_KEY = "browser-test-5ecret-key";
  private static final List<String> RUNS = List.of("standard", "batching", "unload-batching", "unload-keepalive");

  @TempDir
  Path data;

  /** One request the collector answered, as the browser sent it. */
  private record Seen(String method, String path, int status, String contentType, String origin) {}

  @Test
  void analyticsJsDeliversIdentifyTrackAndPageWithAndWithoutBatchingAndOnUnload() throws Exception {
    String chromium = BrowserTooling.installChromium();
    InMemorySink sink = new InMemorySink("events");
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_DATA_DIR", data.toString()));
    SchemaRegistry registry = CollectorServer.registry(config);
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    ExecutorService threads = Executors.newFixedThreadPool(8);
    HttpServer collectorServer = null;
    HttpServer pageServer = null;
    try (Pipeline pipeline = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(data.resolve("wal.db")))
        .validator(SchemaValidator.create(registry)).sink(sink).build().start()) {
      // The example collector's own routes, every input included.
      Collector collector = CollectorServer.collector(config, pipeline, registry);
      JdkHttpHandler handler = new JdkHttpHandler(collector);
      collectorServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      collectorServer.createContext("/", exchange -> {
        handler.handle(exchange);
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
            exchange.getResponseCode(), exchange.getRequestHeaders().getFirst("Content-Type"),
            exchange.getRequestHeaders().getFirst("Origin")));
      });
      collectorServer.setExecutor(threads);
      collectorServer.start();
      pageServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      pageServer.createContext("/", SegmentBrowserTest::servePage);
      pageServer.setExecutor(threads);
      pageServer.start();

      // Another origin than the collector's: another port.
      String pageUrl = "http://127.0.0.1:" + pageServer.getAddress().getPort() + "/segment-page.html";
      String collectorHost = "127.0.0.1:" + collectorServer.getAddress().getPort();
      List<JsonNode> reports = drive(chromium, pageUrl, collectorHost);
      reports.forEach(r -> System.out.println("analytics.js run: " + r));

      for (JsonNode report : reports) {
        String run = report.path("run").asText();
        assertThat(report.path("consoleErrors")).as(run + ": console errors").isEmpty();
        assertThat(report.path("failedRequests")).as(run + ": failed requests").isEmpty();
        for (JsonNode result : report.path("results")) {
          assertThat(result.path("failed").isNull()).as(run + ": analytics.js delivery of " + result).isTrue();
        }
      }
      List<Envelope> events;
      try {
        events = sink.await(got -> RUNS.stream().allMatch(run -> found(got, run) == 3), Duration.ofSeconds(20));
      } catch (TimeoutException e) {
        List<Envelope> got = sink.envelopes();
        throw new AssertionError("events found per run: " + RUNS.stream().map(run -> run + "=" + found(got, run))
            .toList() + "; the collector answered " + List.copyOf(seen) + "; the driver reported " + reports, e);
      }

      for (String run : RUNS) {
        JsonNode identify = event(events, run, "identify");
        assertThat(identify.path("userId").asText()).isEqualTo("user-" + run);
        assertThat(identify.at("/traits/email").asText()).isEqualTo(run + "@shop.example");
        assertThat(identify.at("/traits/plan").asText()).isEqualTo("pro");
        JsonNode track = event(events, run, "track");
        assertThat(track.path("event").asText()).isEqualTo("Order Completed");
        assertThat(track.path("userId").asText()).isEqualTo("user-" + run);
        assertThat(track.at("/properties/orderId").asText()).isEqualTo("order-" + run);
        assertThat(track.at("/properties/revenue").asDouble()).isEqualTo(42.5);
        assertThat(track.at("/properties/currency").asText()).isEqualTo("EUR");
        JsonNode page = event(events, run, "page");
        assertThat(page.path("name").asText()).isEqualTo("Pricing");
        assertThat(page.path("category").asText()).isEqualTo("Docs");
        assertThat(page.at("/properties/section").asText()).isEqualTo("plans");
        assertThat(page.at("/properties/url").asText()).startsWith(pageUrl);
        for (JsonNode e : List.of(identify, track, page)) {
          assertThat(e.at("/context/library/name").asText()).isEqualTo("analytics.js");
          assertThat(e.path("anonymousId").asText()).isNotEmpty();
          // Segment's times: the device's, corrected for skew (none here: one clock), when sent and when received.
          Instant device = Instant.parse(e.path("originalTimestamp").asText());
          Instant corrected = Instant.parse(e.path("timestamp").asText());
          assertThat(Duration.between(device, corrected).abs()).isLessThan(Duration.ofSeconds(5));
          assertThat(Instant.parse(e.path("sentAt").asText())).as("sentAt of " + run).isAfterOrEqualTo(device);
          assertThat(Instant.parse(e.path("receivedAt").asText())).isAfterOrEqualTo(device);
        }
      }
      for (Envelope e : events) {
        assertThat(e.protocol()).isEqualTo("segment");
        assertThat(e.userAgent()).contains("Chrome");
        assertThat(new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8)).doesNotContain(WRITE_KEY);
      }

      List<Seen> requests = List.copyOf(seen);
      List<Seen> posts = requests.stream().filter(s -> s.method().equals("POST")).toList();
      assertThat(posts).extracting(Seen::path).contains("/v1/i", "/v1/t", "/v1/p", "/v1/b");
      assertThat(posts).allSatisfy(s -> {
        assertThat(s.status()).as(s.toString()).isEqualTo(200);
        assertThat(s.contentType()).as(s.toString()).startsWith("text/plain");
        assertThat(s.origin()).as(s.toString()).isEqualTo(pageUrl.substring(0, pageUrl.indexOf("/segment-page")));
      });
      // analytics.js sends the write key in Authorization, so its requests are preflighted.
      assertThat(requests).filteredOn(s -> s.method().equals("OPTIONS")).isNotEmpty()
          .allSatisfy(s -> assertThat(s.status()).isEqualTo(204));
    } finally {
      if (collectorServer != null) {
        collectorServer.stop(0);
      }
      if (pageServer != null) {
        pageServer.stop(0);
      }
      threads.shutdownNow();
    }
  }

  /** Runs the puppeteer driver; returns its report of each run, failing the test when a run failed. */
  private static List<JsonNode> drive(String chromium, String pageUrl, String collectorHost) throws Exception {
    List<JsonNode> reports = new ArrayList<>();
    for (String line : BrowserTooling.runDriver("drive-segment.mjs", chromium, pageUrl, collectorHost, WRITE_KEY)) {
      reports.add(Json.read(line));
    }
    assertThat(reports).extracting(r -> r.path("run").asText()).containsExactlyElementsOf(RUNS);
    return reports;
  }

  /** The test site: the page, and analytics-next's bundle (with the chunks it loads) from the npm package. */
  private static void servePage(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Path file = null;
      String type = "application/javascript";
      if (path.equals("/segment-page.html")) {
        file = BROWSER.resolve("segment-page.html");
        type = "text/html; charset=utf-8";
      } else if (path.startsWith("/analytics-next/bundles/")) {
        String name = path.substring("/analytics-next/bundles/".length());
        file = FILE_NAME.matcher(name).matches() ? BUNDLES.resolve(name) : null;
      }
      if (file == null || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = Files.readAllBytes(file);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(body);
      }
    }
  }

  /** The events of a run, each once (delivery is at least once; analytics.js may also send one again). */
  private static List<JsonNode> ofRun(List<Envelope> events, String run) {
    Map<String, JsonNode> byId = new LinkedHashMap<>();
    for (Envelope e : events) {
      JsonNode p = e.payload();
      if (run.equals(runOf(p))) {
        byId.putIfAbsent(e.id(), p);
      }
    }
    return List.copyOf(byId.values());
  }

  private static long found(List<Envelope> events, String run) {
    return ofRun(events, run).size();
  }

  private static String runOf(JsonNode payload) {
    JsonNode run = payload.at("/properties/run");
    return run.isMissingNode() ? payload.at("/traits/run").asText(null) : run.asText();
  }

  private static JsonNode event(List<Envelope> events, String run, String type) {
    List<JsonNode> matching = ofRun(events, run).stream().filter(p -> type.equals(p.path("type").asText())).toList();
    assertThat(matching).as(run + " " + type).hasSize(1);
    return matching.get(0);
  }

}
