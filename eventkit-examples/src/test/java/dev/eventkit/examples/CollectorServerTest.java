package dev.eventkit.examples;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, in process: the example server answers the curl command and writes NDJSON. */
class CollectorServerTest {

  @TempDir
  Path data;

  @Test
  void theQuickStartEventIsAcceptedAndWrittenToTheNdjsonOutputWithinOneSecond() throws Exception {
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of(
        "EVENTKIT_PORT", "0", "EVENTKIT_HOST", "127.0.0.1", "EVENTKIT_DATA_DIR", data.toString()));
    try (CollectorServer server = CollectorServer.start(config)) {
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/collect"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"type\":\"track\",\"event\":\"button_click\",\"userId\":\"u1\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      long acceptedAt = System.nanoTime();
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.body()).contains("\"status\":\"accepted\"");

      // Delivered to the NDJSON file within a second of the 202.
      List<Envelope> written = await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
          .until(() -> NdjsonOutput.read(data.resolve("events")), w -> !w.isEmpty());
      assertThat(System.nanoTime() - acceptedAt).isLessThan(1_000_000_000L + 200_000_000L);
      assertThat(written).hasSize(1);
      assertThat(written.get(0).payload().get("event").asText()).isEqualTo("button_click");
      assertThat(written.get(0).payload().get("userId").asText()).isEqualTo("u1");

      HttpResponse<String> health = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void everyInputIsServedOnTheDefaultsAndUnknownSchemasGoToTheInvalidOutput() throws Exception {
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of(
        "EVENTKIT_PORT", "0", "EVENTKIT_HOST", "127.0.0.1", "EVENTKIT_DATA_DIR", data.toString()));
    try (CollectorServer server = CollectorServer.start(config)) {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      java.util.function.BiFunction<String, String[], Integer> post = (path, typeAndBody) -> {
        try {
          return client.send(HttpRequest.newBuilder(URI.create(base + path))
              .header("Content-Type", typeAndBody[0])
              .POST(HttpRequest.BodyPublishers.ofString(typeAndBody[1])).build(),
              HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      String example = "iglu:dev.eventkit.example/button_click/jsonschema/1-0-0";
      assertThat(post.apply("/sd", new String[] {"application/json",
          "{\"schema\":\"" + example + "\",\"data\":{\"button\":\"buy\"}}"})).isEqualTo(202);
      assertThat(post.apply("/sd", new String[] {"application/json",
          "{\"schema\":\"iglu:com.unpublished/thing/jsonschema/1-0-0\",\"data\":{}}"})).isEqualTo(202);
      assertThat(post.apply("/cloudevents", new String[] {"application/cloudevents+json",
          "{\"specversion\":\"1.0\",\"id\":\"c1\",\"source\":\"/shop\",\"type\":\"order\",\"data\":{}}"}))
          .isEqualTo(202);
      assertThat(post.apply("/webhook/stripe", new String[] {"application/json", "{\"id\":\"evt_1\"}"}))
          .isEqualTo(202);
      HttpResponse<byte[]> pixel = client.send(HttpRequest.newBuilder(URI.create(base + "/pixel/open?c=1")).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(pixel.statusCode()).isEqualTo(200);
      assertThat(pixel.headers().firstValue("Content-Type")).hasValue("image/gif");
      HttpResponse<byte[]> snowplow = client.send(HttpRequest.newBuilder(URI.create(base
          + "/i?e=pv&p=web&tv=js-3.0.0&eid=6f0e3f2a-1b7c-4d6e-9a8b-0c1d2e3f4a5b&url=https%3A%2F%2Fshop.example%2Fcart"
          + "&page=Cart&dtm=1763900000000&stm=1763900000100")).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(snowplow.statusCode()).isEqualTo(200);
      HttpResponse<String> schemas = client.send(HttpRequest.newBuilder(URI.create(base + "/schemas")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(schemas.body()).contains(example);

      assertThat(flushed(server.pipeline(), Duration.ofSeconds(10))).isTrue();
      assertThat(NdjsonOutput.read(data.resolve("events"))).extracting(Envelope::protocol)
          .containsExactlyInAnyOrder("selfdescribing", "cloudevents", "webhook", "pixel", "snowplow");
      Envelope pageView = NdjsonOutput.read(data.resolve("events")).stream()
          .filter(e -> e.protocol().equals("snowplow")).findFirst().orElseThrow();
      assertThat(pageView.id()).isEqualTo("6f0e3f2a-1b7c-4d6e-9a8b-0c1d2e3f4a5b");
      assertThat(pageView.validation().status()).isEqualTo(dev.eventkit.event.Validation.Status.VALID);
      List<Envelope> invalid = NdjsonOutput.read(data.resolve("invalid"));
      assertThat(invalid).hasSize(1);
      assertThat(invalid.get(0).validation().error()).isEqualTo(dev.eventkit.event.ValidationError.SCHEMA_NOT_FOUND);
    }
  }

  @Test
  void badEnvironmentValuesAreNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CollectorConfig.fromEnvironment(
        Map.of("EVENTKIT_PORT", "eighty"))).hasMessageContaining("EVENTKIT_PORT");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CollectorConfig.fromEnvironment(
        Map.of("EVENTKIT_QUEUE_MODE", "rabbitmq"))).hasMessageContaining("EVENTKIT_QUEUE_MODE");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CollectorConfig.fromEnvironment(
        Map.of("EVENTKIT_HTTP_HOST", "tomcat"))).hasMessageContaining("EVENTKIT_HTTP_HOST");
  }

  @Test
  void bothHttpHostsServeTheSameAnswers() throws Exception {
    for (String host : List.of("netty", "jdk")) {
      CollectorConfig config = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_PORT", "0",
          "EVENTKIT_HOST", "127.0.0.1", "EVENTKIT_DATA_DIR", data.resolve(host).toString(),
          "EVENTKIT_HTTP_HOST", host, "EVENTKIT_MAX_BODY_BYTES", "2000"));
      assertThat(config.httpHost()).isEqualTo(host);
      try (CollectorServer server = CollectorServer.start(config)) {
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        HttpResponse<String> accepted = client.send(HttpRequest.newBuilder(URI.create(base + "/collect"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u1\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(host).isEqualTo(202);
        HttpResponse<String> tooLarge = client.send(HttpRequest.newBuilder(URI.create(base + "/collect"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"p\":\"" + "x".repeat(3000) + "\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).as(host).isEqualTo(413);
        assertThat(tooLarge.body()).as(host).contains("\"code\":\"body_too_large\"");
      }
    }
  }
}
