package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code queue.mode: kafka} against a real broker (KRaft, started by {@code scripts/test-servers}): a collector in
 * the publisher role takes the events and publishes its log; a collector in the worker role consumes the topic and
 * delivers to its file sink. Every accepted event arrives there (at least once, as the mode promises); the publisher delivers nothing itself.
 */
class KafkaModeTest {

  private static boolean startedHere;

  @TempDir
  Path dir;

  @BeforeAll
  static void broker() throws Exception {
    Path scripts = scripts();
    startedHere = !brokerRunning();
    Process install = new ProcessBuilder("bash", scripts.resolve("install.sh").toString(), "kafka").inheritIO().start();
    assertThat(install.waitFor()).as("install.sh kafka").isZero();
    TestServers.start("kafka");
  }

  @AfterAll
  static void stopBroker() {
    if (startedHere) {
      TestServers.stop("kafka");
    }
  }

  @Test
  void aPublisherCollectorAndAWorkerCollectorDeliverEveryAcceptedEventOnce() throws Exception {
    String unique = Long.toString(System.nanoTime());
    Map<String, String> common = new HashMap<>(Map.of("EVENTKIT_SERVER_PORT", "0", "EVENTKIT_SERVER_HOST", "127.0.0.1",
        "EVENTKIT_QUEUE_MODE", "kafka", "EVENTKIT_KAFKA_BOOTSTRAP_SERVERS", TestServers.get("KAFKA_BOOTSTRAP_SERVERS"),
        "EVENTKIT_KAFKA_TOPIC", "collector-" + unique, "EVENTKIT_KAFKA_GROUP", "workers-" + unique,
        "EVENTKIT_KAFKA_WORKERS", "2"));
    Map<String, String> publisherEnv = new HashMap<>(common);
    publisherEnv.put("EVENTKIT_KAFKA_ROLE", "publisher");
    publisherEnv.put("EVENTKIT_DATA_DIR", dir.resolve("publisher").toString());
    Map<String, String> workerEnv = new HashMap<>(common);
    workerEnv.put("EVENTKIT_KAFKA_ROLE", "worker");
    workerEnv.put("EVENTKIT_DATA_DIR", dir.resolve("worker").toString());
    try (CollectorServer worker = CollectorServer.start(CollectorConfig.fromEnvironment(workerEnv));
        CollectorServer publisher = CollectorServer.start(CollectorConfig.fromEnvironment(publisherEnv))) {
      assertThat(worker.port()).isNotEqualTo(publisher.port());
      HttpClient client = HttpClient.newHttpClient();
      Set<String> accepted = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        String id = UUID.randomUUID().toString();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + publisher.port() + "/collect/web"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"Kafka Mode\",\"userId\":\"u"
                + i + "\",\"messageId\":\"" + id + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        accepted.add(id);
      }
      Path workerEvents = dir.resolve("worker").resolve("events");
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(
          NdjsonOutput.read(workerEvents).stream().map(Envelope::id).collect(Collectors.toSet()))
          .isEqualTo(accepted));
      assertThat(NdjsonOutput.read(dir.resolve("publisher").resolve("events"))).isEmpty();
    }
  }

  private static boolean brokerRunning() {
    String dir = System.getenv("EVENTKIT_TEST_SERVERS_DIR");
    Path pid = Path.of(dir != null ? dir : "/tmp/eventkit-test-servers").resolve("kafka.pid");
    try {
      return Files.exists(pid) && ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
          .map(ProcessHandle::isAlive).orElse(false);
    } catch (Exception e) {
      return false;
    }
  }

  private static Path scripts() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("scripts/test-servers"))) {
        return d.resolve("scripts/test-servers");
      }
    }
    throw new IllegalStateException("scripts/test-servers not found");
  }
}
