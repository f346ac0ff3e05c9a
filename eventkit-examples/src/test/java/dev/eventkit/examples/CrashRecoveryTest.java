package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector runs in its own JVM and is killed with SIGKILL at a random moment while real HTTP clients send;
 * after each restart, every event that got a 2xx must reach the file sink's output. Duplicates (a batch delivered
 * again because the kill came between the sink's write and its cursor's commit) are counted and must all be
 * removable by event id. Rounds: {@code -Deventkit.crash.rounds} (default 50).
 */
class CrashRecoveryTest {

  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);

  @TempDir
  Path work;

  // Runs of 88 s on a quiet 2-core machine, 173 s and 328 s while other builds shared its cores: 10 min is about
  // 3 times a typical shared run.
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void everyAcknowledgedEventSurvivesSigkill() throws Exception {
    int rounds = Integer.getInteger("eventkit.crash.rounds", 50);
    Path data = work.resolve("data");
    Path log = work.resolve("collector.log");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger failedRequests = new AtomicInteger();
    AtomicInteger ids = new AtomicInteger();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Random random = new Random(42);

    for (int round = 0; round < rounds; round++) {
      CollectorProcess collector = CollectorProcess.start(data, log);
      // After each restart, everything acknowledged before the last kill is delivered.
      awaitDelivered(data, acknowledged, round);
      AtomicBoolean sending = new AtomicBoolean(true);
      ExecutorService clients = Executors.newFixedThreadPool(8);
      for (int c = 0; c < 8; c++) {
        clients.submit(() -> {
          while (sending.get()) {
            String id = "evt-" + ids.incrementAndGet();
            boolean batch = id.hashCode() % 3 == 0;
            String one = "{\"type\":\"track\",\"event\":\"crash_test\",\"userId\":\"u\",\"messageId\":\"" + id + "\"}";
            String body = batch ? "[" + one + "," + one.replace(id, id + "-b") + "]" : one;
            try {
              HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + collector.port() + "/collect"))
                  .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() / 100 == 2) {
                acknowledged.add(id);
                if (batch) {
                  acknowledged.add(id + "-b");
                }
              }
            } catch (Exception e) {
              failedRequests.incrementAndGet();
            }
          }
        });
      }
      // Kill at a random moment while the clients are busy: here time has to pass, nothing is awaited.
      Thread.sleep(100 + random.nextInt(900));
      collector.kill();
      sending.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      LOG.info("round {}: {} acknowledged so far, {} requests failed", round, acknowledged.size(),
          failedRequests.get());
    }

    // A final start delivers what the last kill left in the log.
    // The collector only has to run (and be stopped) while the test reads its file sink.
    CollectorProcess collector = CollectorProcess.start(data, log);
    try (collector) {
      Map<String, Integer> counts = awaitDelivered(data, acknowledged, rounds);
      assertThat(acknowledged).as("acknowledged events").isNotEmpty();
      long duplicated = counts.values().stream().filter(n -> n > 1).count();
      long extraLines = counts.values().stream().mapToLong(n -> n - 1).sum();
      LOG.info("{} rounds: {} acknowledged events all delivered; {} ids delivered more than once ({} extra "
          + "lines); {} requests failed at the kills", rounds, acknowledged.size(), duplicated, extraLines,
          failedRequests.get());
      // Every duplicate is a whole copy of the same event: de-duplicating by id leaves exactly one of each.
      Map<String, String> byId = new HashMap<>();
      for (Envelope e : NdjsonOutput.read(data.resolve("events"))) {
        String previous = byId.putIfAbsent(e.id(), e.payloadJson());
        if (previous != null) {
          assertThat(e.payloadJson()).isEqualTo(previous);
        }
      }
      assertThat(byId.keySet()).containsAll(acknowledged);
    }
  }

  /** Waits until every acknowledged id is in the output; returns how often each id appears there. */
  private static Map<String, Integer> awaitDelivered(Path data, Set<String> acknowledged, int round)
      throws Exception {
    AtomicReference<Map<String, Integer>> delivered = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      Map<String, Integer> counts = new HashMap<>();
      for (Envelope e : NdjsonOutput.read(data.resolve("events"))) {
        counts.merge(e.id(), 1, Integer::sum);
      }
      delivered.set(counts);
      assertThat(counts.keySet()).as("acknowledged ids delivered after restart %d", round)
          .containsAll(acknowledged);
    });
    return delivered.get();
  }
}
