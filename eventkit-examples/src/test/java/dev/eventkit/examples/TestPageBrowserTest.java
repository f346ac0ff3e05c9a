package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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

  private static final Path BROWSER = Path.of("src/test/browser").toAbsolutePath();

  @TempDir
  Path data;

  @Test
  void theTrackerSendsThreeEventsAndThePageShowsThemDelivered() throws Exception {
    String chromium = installBrowserTooling();
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

  /**
   * Runs the browser install script; returns the Chromium executable. Skips the test only when Chromium cannot be
   * installed; any other install failure fails it.
   */
  private static String installBrowserTooling() throws Exception {
    Process p = new ProcessBuilder("bash", BROWSER.resolve("install.sh").toString()).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream()).trim();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("install.sh finished").isTrue();
    String log = err.get(1, TimeUnit.MINUTES);
    String tail = log.substring(Math.max(0, log.length() - 2000));
    Assumptions.assumeFalse(p.exitValue() == 3, "SKIPPED: Chromium cannot be installed here: " + tail);
    assertThat(p.exitValue()).as("install.sh failed:\n" + tail).isZero();
    return out.substring(out.lastIndexOf('\n') + 1);
  }

  /** Runs the puppeteer driver; returns its report, failing the test when the driver failed. */
  private static JsonNode drive(String chromium, String pageUrl, Path screenshot) throws Exception {
    Process p = new ProcessBuilder("node", "drive-test-page.mjs", chromium, pageUrl, screenshot.toString())
        .directory(BROWSER.toFile()).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the browser driver did not finish in 90 s");
    }
    String stdout = out.get(10, TimeUnit.SECONDS);
    String stderr = err.get(10, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as("driver failed:\n" + stdout + "\n" + stderr).isZero();
    return Json.read(stdout.trim().substring(stdout.trim().lastIndexOf('\n') + 1));
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      return buf.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
