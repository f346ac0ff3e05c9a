package dev.eventkit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.segment.analytics.Analytics;
import com.segment.analytics.messages.TrackMessage;
import com.snowplowanalytics.snowplow.tracker.Tracker;
import com.snowplowanalytics.snowplow.tracker.configuration.EmitterConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.NetworkConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.TrackerConfiguration;
import com.snowplowanalytics.snowplow.tracker.emitter.BatchEmitter;
import com.snowplowanalytics.snowplow.tracker.events.Structured;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Spring example on a real port: the README's curl, Segment's analytics-java and Snowplow's Java tracker send
 * to it, the events reach both the application's own sink bean and the starter's NDJSON files, and Actuator's
 * health shows eventkit.
 */
@SpringBootTest(classes = SpringCollectorApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.config.name=eventkit-spring")
@Import(SpringCollectorApplicationTest.MemorySink.class)
class SpringCollectorApplicationTest {

  @TempDir
  static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("eventkit.data-dir", () -> dataDir.toString());
  }

  /** The application's own sink, added to the pipeline by the starter beside its file sinks. */
  @TestConfiguration(proxyBeanMethods = false)
  static class MemorySink {
    @Bean
    InMemorySink memorySink() {
      return new InMemorySink("memory");
    }
  }

  @LocalServerPort
  int port;

  @Autowired
  InMemorySink sink;

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void clear() {
    sink.clear();
  }

  private String base() {
    return "http://127.0.0.1:" + port + "/eventkit";
  }

  @Test
  void theReadmesCurlIsAcceptedAndTheEventReachesTheSinkAndTheNdjsonFile() throws Exception {
    // The request, status and body of the README's curl, sent to this port instead of 8080.
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    Matcher curl = Pattern.compile("<!-- snippet: embedding-spring-curl -->\\s*```sh\\ncurl -i -X POST "
        + "localhost:8080(\\S+) -H 'Content-Type: application/json' \\\\\\n\\s*-d '([^']+)'\\n"
        + "# HTTP/1.1 (\\d+)[^\\n]*\\n# (\\{[^\\n]*})\\n```").matcher(readme);
    assertThat(curl.find()).as("the README's curl for the Spring application").isTrue();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + curl.group(1)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(curl.group(2)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(Integer.parseInt(curl.group(3))).isEqualTo(202);
    assertThat(r.body()).isEqualTo(curl.group(4));
    String event = new ObjectMapper().readTree(curl.group(2)).get("event").asText();
    Envelope e = sink.await(list -> list.stream().anyMatch(x -> isEvent(x, event)), Duration.ofSeconds(10))
        .stream().filter(x -> isEvent(x, event)).findFirst().orElseThrow();
    assertThat(e.protocol()).isEqualTo("segment");
    await().atMost(Duration.ofSeconds(10)).until(() -> ndjson().contains("\"" + e.id() + "\""));
  }

  private static boolean isEvent(Envelope e, String name) {
    return name.equals(e.payload().path("event").asText());
  }

  @Test
  void actuatorHealthShowsEventkitWithItsLogAndSinks() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"eventkit\":{\"status\":\"UP\"").contains("\"fillRatio\"")
        .contains("\"memory\"", "\"file\"");
  }

  @Test
  void segmentsAnalyticsJavaSendsToTheApplication() throws Exception {
    Analytics analytics = Analytics.builder("write-key")
        .setUploadURL(base() + "/v1/import/")
        .flushQueueSize(5)
        .flushInterval(1, TimeUnit.SECONDS)
        .build();
    for (int i = 0; i < 5; i++) {
      analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-" + i)
          .properties(Map.of("total", i)));
    }
    analytics.flush();
    List<Envelope> events = sink.await(list -> list.stream()
        .filter(x -> x.payloadJson().contains("Order Completed")).count() == 5, Duration.ofSeconds(30));
    analytics.shutdown();
    assertThat(events).filteredOn(x -> x.payloadJson().contains("Order Completed"))
        .allSatisfy(x -> assertThat(x.payload().at("/context/library/name").asText()).isEqualTo("analytics-java"));
  }

  @Test
  void snowplowsJavaTrackerSendsToTheApplication() throws Exception {
    BatchEmitter emitter = new BatchEmitter(new NetworkConfiguration(base()),
        new EmitterConfiguration().batchSize(1));
    Tracker tracker = new Tracker(new TrackerConfiguration("ns-spring", "spring-app"), emitter);
    tracker.track(Structured.builder().category("shop").action("add-to-basket").label("sku-1").build());
    emitter.flushBuffer();
    List<Envelope> events = sink.await(list -> list.stream().anyMatch(x -> x.protocol().equals("snowplow")),
        Duration.ofSeconds(30));
    emitter.close();
    assertThat(events).filteredOn(x -> x.protocol().equals("snowplow")).first()
        .satisfies(x -> assertThat(x.payloadJson()).contains("add-to-basket"));
  }

  private static String ndjson() {
    try (Stream<Path> files = Files.walk(dataDir.resolve("events"))) {
      StringBuilder all = new StringBuilder();
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        all.append(Files.readString(f));
      }
      return all.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
