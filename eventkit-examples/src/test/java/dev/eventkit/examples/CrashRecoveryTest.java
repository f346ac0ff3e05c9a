package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Envelope;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector runs in its own JVM and is killed with SIGKILL while clients are sending; after each restart,
 * every event that got a 2xx must be in the file sink's output. Rounds: {@code -Deventkit.crash.rounds} (default 3).
 */
class CrashRecoveryTest {

  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);

  @TempDir
  Path work;

  @Test
  void everyAcknowledgedEventSurvivesSigkill() throws Exception {
    int rounds = Integer.getInteger("eventkit.crash.rounds", 3);
    Path data = work.resolve("data");
    Path log = work.resolve("collector.log");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger failedRequests = new AtomicInteger();
    AtomicInteger ids = new AtomicInteger();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Random random = new Random(42);

    for (int round = 0; round < rounds; round++) {
      CollectorProcess collector = CollectorProcess.start(data, log);
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
      // Kill at a random moment while the clients are busy.
      Thread.sleep(300 + random.nextInt(1200));
      collector.kill();
      sending.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      LOG.info("round {}: {} acknowledged so far, {} requests failed", round, acknowledged.size(),
          failedRequests.get());
    }

    // A final start delivers what the last kill left in the log.
    try (CollectorProcess collector = CollectorProcess.start(data, log)) {
      Map<String, Integer> counts = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        counts.clear();
        for (Envelope e : NdjsonOutput.read(data.resolve("events"))) {
          counts.merge(e.id(), 1, Integer::sum);
        }
        if (counts.keySet().containsAll(acknowledged)) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(acknowledged).as("acknowledged events").isNotEmpty();
      assertThat(counts.keySet()).as("ids in the file sink").containsAll(acknowledged);
      long duplicates = counts.values().stream().filter(n -> n > 1).count();
      LOG.info("{} acknowledged events all delivered; {} delivered more than once (removable by id)",
          acknowledged.size(), duplicates);
    }
  }
}
