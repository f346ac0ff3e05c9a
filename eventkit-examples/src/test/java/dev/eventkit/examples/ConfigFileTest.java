package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file, the environment's overrides and aliases, secrets from files, and what validation says. */
class ConfigFileTest {

  /** The sample shipped in the repository. */
  static final Path SAMPLE = Path.of("config", "eventkit.yml");

  @TempDir
  Path dir;

  @Test
  void theSampleFileRunsACollectorThatTakesEventsIntoItsSink() throws Exception {
    CollectorConfig config = CollectorConfig.load(SAMPLE,
        Map.of("EVENTKIT_SERVER_PORT", "0", "EVENTKIT_DATA_DIR", dir.toString()));
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.source().origin("server.host")).isEqualTo("eventkit.yml");
    assertThat(config.source().origin("server.port")).isEqualTo("EVENTKIT_SERVER_PORT");
    assertThat(config.warnings()).isEmpty();
    try (CollectorServer server = CollectorServer.start(config)) {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/collect"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"from_yaml\",\"userId\":\"u1\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(202);
      List<Envelope> written = await().atMost(Duration.ofSeconds(10))
          .until(() -> NdjsonOutput.read(dir.resolve("events")), w -> !w.isEmpty());
      assertThat(written.get(0).payload().get("event").asText()).isEqualTo("from_yaml");
      HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("eventkit_events_accepted_total");
    }
  }

  @Test
  void anyKeyIsOverriddenByItsVariableWhichWinsOverTheOlderNames() throws Exception {
    Path file = write("server:\n  port: 8080\nsinks:\n  gcs:\n    bucket: from-file\nevent_store: gcs\n"
        + "gcp:\n  project_id: p\nwarehouse:\n  enabled: false\n");
    CollectorConfig fileOnly = CollectorConfig.load(file, Map.of());
    assertThat(fileOnly.port()).isEqualTo(8080);
    assertThat(fileOnly.gcp().bucket()).isEqualTo("from-file");
    CollectorConfig overridden = CollectorConfig.load(file, Map.of("EVENTKIT_SINKS_GCS_BUCKET", "from-env",
        "GCP_GCS_BUCKET", "older-name", "EVENTKIT_PORT", "9001"));
    assertThat(overridden.gcp().bucket()).isEqualTo("from-env");
    assertThat(overridden.port()).isEqualTo(9001);
    assertThat(CollectorConfig.load(file, Map.of("GCP_GCS_BUCKET", "older-name")).gcp().bucket())
        .isEqualTo("older-name");
    // EVENTKIT_CONFIG names the file when no option does.
    assertThat(CollectorConfig.fromEnvironment(Map.of("EVENTKIT_CONFIG", file.toString())).gcp().bucket())
        .isEqualTo("from-file");
  }

  @Test
  void thePythonCollectorsVariablesKeepTheirMeaning() throws Exception {
    Path db = dir.resolve("elsewhere").resolve("ring.db");
    CollectorConfig c = CollectorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("EVENTKIT_DATA_DIR", dir.toString()),
        Map.entry("EVENTKIT_RING_BUFFER_DB_PATH", db.toString()),
        Map.entry("EVENTKIT_RING_BUFFER_MODE", "sqlite"),
        Map.entry("EVENTKIT_RING_BUFFER_PUBLISHER_BATCH_SIZE", "250"),
        Map.entry("EVENTKIT_RING_BUFFER_PUBLISHER_POLL_INTERVAL", "0.1"),
        Map.entry("EVENTKIT_RING_BUFFER_CLEANUP_INTERVAL", "3600.0"),
        Map.entry("EVENTKIT_EVENTLOADER_BATCH_SIZE", "1000"),
        Map.entry("EVENTKIT_EVENTLOADER_FLUSH_INTERVAL", "60"),
        Map.entry("EVENTKIT_LOG_LEVEL", "WARNING"),
        Map.entry("EVENTKIT_JSON_LOGS", "true"),
        Map.entry("EVENTKIT_BUFFER_SIZE", "100")));
    assertThat(c.ringBufferPath()).isEqualTo(db);
    assertThat(c.publishBatchSize()).isEqualTo(250);
    assertThat(c.cleanupInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(c.sinkBatchSize()).isEqualTo(1000);
    assertThat(c.flushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.logLevel()).isEqualTo("WARN");
    assertThat(c.jsonLogs()).isTrue();
    assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("EVENTKIT_BUFFER_SIZE has no effect"))
        .anySatisfy(w -> assertThat(w).contains("publisher_poll_interval has no effect"));
    // The log really is where the variable says.
    try (CollectorServer server = CollectorServer.start(CollectorConfig.fromEnvironment(Map.of(
        "EVENTKIT_PORT", "0", "EVENTKIT_HOST", "127.0.0.1", "EVENTKIT_DATA_DIR", dir.toString(),
        "EVENTKIT_RING_BUFFER_DB_PATH", db.toString())))) {
      assertThat(server.port()).isPositive();
      assertThat(db).exists();
      assertThat(dir.resolve("wal.db")).doesNotExist();
    }
    assertThatThrownBy(() -> CollectorConfig.fromEnvironment(Map.of("EVENTKIT_RING_BUFFER_MODE", "memory")))
        .hasMessageContaining("ring_buffer.mode (set by EVENTKIT_RING_BUFFER_MODE)");
  }

  @Test
  void unknownKeysAreErrorsAndUnknownVariablesWarningsBothWithTheNearestName() throws Exception {
    Path file = write("server:\n  prot: 8080\n");
    assertThatThrownBy(() -> CollectorConfig.load(file, Map.of()))
        .hasMessageContaining("unknown key server.prot (did you mean server.port?)");
    assertThatThrownBy(() -> CollectorConfig.load(write("sinks:\n  s3:\n    bucket: b\n"), Map.of()))
        .hasMessageContaining("unknown key sinks.s3");
    CollectorConfig c = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_SINKS_GCS_BUKET", "b"));
    assertThat(c.warnings()).containsExactly(
        "unknown variable EVENTKIT_SINKS_GCS_BUKET is ignored (did you mean EVENTKIT_SINKS_GCS_BUCKET?)");
  }

  @Test
  void badValuesNameTheKeyAndWhereItWasSet() throws Exception {
    Path file = write("server:\n  port: eighty\n");
    assertThatThrownBy(() -> CollectorConfig.load(file, Map.of()))
        .hasMessage("server.port (set in " + file.getFileName() + ") must be a whole number");
    assertThatThrownBy(() -> CollectorConfig.load(file, Map.of("EVENTKIT_SERVER_PORT", "70000")))
        .hasMessage("server.port (set by EVENTKIT_SERVER_PORT) must be between 0 and 65535");
    assertThatThrownBy(() -> CollectorConfig.load(write("queue:\n  mode: kafka\n"), Map.of()))
        .hasMessageContaining("kafka.bootstrap_servers is required");
    assertThatThrownBy(() -> CollectorConfig.load(write("server: [1\n"), Map.of()))
        .hasMessageContaining("is not valid YAML");
    assertThatThrownBy(() -> CollectorConfig.load(dir.resolve("missing.yml"), Map.of()))
        .hasMessageContaining("missing.yml does not exist");
  }

  @Test
  void secretsComeFromFilesOrTheEnvironmentAndAreNeverPrinted() throws Exception {
    Path adminKey = dir.resolve("admin.key");
    Files.writeString(adminKey, "adm_from_file_77\n");
    CollectorConfig fromVariable = CollectorConfig.load(write("security:\n  cors_origins: [https://shop.example]\n"),
        Map.of("EVENTKIT_ADMIN_KEY_FILE", adminKey.toString(), "EVENTKIT_WRITE_KEYS", "wk_env_secret_1"));
    assertThat(fromVariable.security().adminKeys().find("adm_from_file_77")).isNotNull();
    assertThat(fromVariable.security().writeKeys().find("wk_env_secret_1")).isNotNull();
    String printed = fromVariable.source().render();
    assertThat(printed).doesNotContain("adm_from_file_77").doesNotContain("wk_env_secret_1")
        .contains("admin_key: \"********\"  # EVENTKIT_ADMIN_KEY_FILE")
        .contains("write_keys: \"********\"  # EVENTKIT_WRITE_KEYS")
        .contains("cors_origins: \"https://shop.example\"");
    CollectorConfig fromYaml = CollectorConfig.load(write("security:\n  admin_key_file: " + adminKey + "\n"),
        Map.of());
    assertThat(fromYaml.security().adminKeys().find("adm_from_file_77")).isNotNull();
    assertThatThrownBy(() -> CollectorConfig.fromEnvironment(Map.of("EVENTKIT_ADMIN_KEY_FILE", "/nonexistent/k")))
        .hasMessageContaining("security.admin_key (EVENTKIT_ADMIN_KEY_FILE): the file cannot be read");
  }

  private Path write(String yaml) throws Exception {
    Path f = Files.createTempFile(dir, "eventkit", ".yml");
    Files.writeString(f, yaml);
    return f;
  }
}
