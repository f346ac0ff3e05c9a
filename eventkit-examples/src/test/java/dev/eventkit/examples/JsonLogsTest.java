package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collector's logs in a JVM of its own, as an operator reads them: with {@code EVENTKIT_JSON_LOGS=true} every
 * line is a JSON object, and the request's access line carries the request id the client sent (under {@code mdc}),
 * on both HTTP hosts; the readable layout carries it too.
 */
class JsonLogsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"netty", "jdk"})
  void aJsonAccessLineCarriesTheRequestId(String httpHost) throws Exception {
    Path log = dir.resolve("collector.log");
    try (CollectorProcess collector = CollectorProcess.start(Map.of("EVENTKIT_DATA_DIR", dir.toString(),
        "EVENTKIT_JSON_LOGS", "true", "EVENTKIT_HTTP_HOST", httpHost), log)) {
      HttpResponse<String> r = post(collector.port(), "req-json-" + httpHost);
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.headers().firstValue("X-Request-Id")).hasValue("req-json-" + httpHost);
      JsonNode access = await().atMost(Duration.ofSeconds(10)).until(() -> accessLine(log), l -> l != null);
      assertThat(access.path("level").asText()).isEqualTo("INFO");
      assertThat(access.path("mdc").path("request_id").asText()).isEqualTo("req-json-" + httpHost);
      assertThat(access.path("formattedMessage").asText()).startsWith("request_id=req-json-" + httpHost
          + " method=POST "
          + "route=/collect/{stream} status=202 events=1 ");
      String all = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(all).doesNotContain("user-secret-42");
      for (String line : all.split("\n")) {
        if (!line.isBlank()) {
          assertThat(JSON.readTree(line).isObject()).as(line).isTrue();
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"netty"})
  void theReadableLayoutCarriesTheRequestIdToo(String httpHost) throws Exception {
    Path log = dir.resolve("readable.log");
    try (CollectorProcess collector = CollectorProcess.start(Map.of("EVENTKIT_DATA_DIR", dir.toString(),
        "EVENTKIT_HTTP_HOST", httpHost), log)) {
      assertThat(post(collector.port(), "req-text-1").statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log, StandardCharsets.UTF_8)
          .lines().anyMatch(l -> l.contains(" INFO  ") && l.contains("dev.eventkit.access - request_id=req-text-1 ")
              && l.endsWith(" request_id=req-text-1")));
    }
  }

  private static HttpResponse<String> post(int port, String requestId) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/collect/web"))
        .header("Content-Type", "application/json").header("X-Request-Id", requestId)
        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"user-secret-42\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode accessLine(Path log) throws Exception {
    List<JsonNode> found = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("{")) {
        JsonNode n = JSON.readTree(line);
        if (n.path("loggerName").asText().equals("dev.eventkit.access")) {
          found.add(n);
        }
      }
    }
    return found.isEmpty() ? null : found.get(0);
  }
}
