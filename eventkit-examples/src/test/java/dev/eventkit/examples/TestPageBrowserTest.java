package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example collector's test page in headless Chromium: the Snowplow browser tracker, served by the collector
 * itself, sends a page view, a structured event and a self-describing event with a context when the buttons are
 * clicked; the page lists the three envelopes as the sinks delivered them (valid, file sink, lag), and the file sink
 * holds them. Leaves a screenshot in {@code target/test-page.png} (the README's {@code docs/test-page.png}).
 *
 * <p>{@code src/test/browser/install.sh} installs Chromium and puppeteer-core; {@code src/main/tracker/install.sh}
 * the tracker, before the build (scripts/test.sh runs both). The test skips, saying so, only when Chromium cannot
 * be installed; a build without the tracker fails it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TestPageBrowserTest {

  private static final Path BROWSER = BrowserTooling.DIR;

  @TempDir
  Path data;

  @Test
  void theTrackerSendsThreeEventsAndThePageShowsThemDelivered() throws Exception {
    String chromium = BrowserTooling.installChromium();
    assertThat(TestPageEndpoint.trackerBundled())
        .as("the Snowplow tracker is bundled (run src/main/tracker/install.sh before building)").isTrue();
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_DATA_DIR", data.toString(),
        "EVENTKIT_PORT", "0", "EVENTKIT_HOST", "127.0.0.1"));
    Path screenshot = Path.of("target/test-page.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    try (CollectorServer server = CollectorServer.start(config, ToolsConfig.defaults())) {
      JsonNode report = drive(chromium, "http://127.0.0.1:" + server.port() + "/", screenshot);
      System.out.println("test page: " + report);
      assertThat(report.path("consoleErrors")).as("console errors").isEmpty();
      assertThat(report.path("notice").isNull()).as("the page's notice").isTrue();
      // The tracker may send events queued behind a request in flight together, in one POST.
      assertThat(report.path("tracker")).extracting(JsonNode::asText)
          .isNotEmpty().allMatch(s -> s.equals("POST /com.snowplowanalytics.snowplow/tp2 200"));
      List<JsonNode> rows = new ArrayList<>();
      report.path("rows").forEach(rows::add);
      assertThat(rows).allSatisfy(r -> {
        assertThat(r.path("validation").asText()).as(r.toString()).isEqualTo("valid");
        assertThat(r.path("sink").asText()).isEqualTo("file");
        assertThat(r.path("cells").get(7).asText()).matches("\\d+ ms");
      });
      assertThat(rows).extracting(r -> r.path("schema").asText()).contains(
          "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0",
          "iglu:com.google.analytics/event/jsonschema/1-0-0",
          "iglu:dev.eventkit.example/button_click/jsonschema/1-0-0");
      JsonNode selfDescribing = rows.stream().filter(r -> r.path("schema").asText().contains("button_click"))
          .findFirst().orElseThrow();
      assertThat(selfDescribing.path("cells").get(4).asText())
          .contains("iglu:dev.eventkit.example/test_page/jsonschema/1-0-0");
      assertThat(Files.size(screenshot)).isGreaterThan(10_000);

      // And in the sink.
      Path events = data.resolve("events");
      await().atMost(Duration.ofSeconds(10)).until(() -> schemas(events).containsAll(List.of(
          "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0",
          "iglu:com.google.analytics/event/jsonschema/1-0-0",
          "iglu:dev.eventkit.example/button_click/jsonschema/1-0-0")));
      Envelope click = NdjsonOutput.read(events).stream().filter(e -> e.schema().contains("button_click"))
          .findFirst().orElseThrow();
      assertThat(click.protocol()).isEqualTo("snowplow");
      assertThat(click.payload().path("button").asText()).isEqualTo("self-describing");
      assertThat(click.contexts()).extracting(c -> c.schema())
          .contains("iglu:dev.eventkit.example/test_page/jsonschema/1-0-0");
      assertThat(click.validation().isInvalid()).isFalse();
    }
  }

  private static List<String> schemas(Path events) throws IOException {
    if (!Files.isDirectory(events)) {
      return List.of();
    }
    return NdjsonOutput.read(events).stream().map(Envelope::schema).toList();
  }

  /** Runs the puppeteer driver; returns its report, failing the test when the driver failed. */
  private static JsonNode drive(String chromium, String pageUrl, Path screenshot) throws Exception {
    List<String> reports = BrowserTooling.runDriver("drive-test-page.mjs", chromium, pageUrl, screenshot.toString());
    assertThat(reports).as("the driver's report").isNotEmpty();
    return Json.read(reports.get(reports.size() - 1));
  }

}
