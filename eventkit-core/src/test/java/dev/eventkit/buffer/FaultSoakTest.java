package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.testing.ControllableSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak through the collector under the faults an operator meets: 4 clients send single events for the whole run,
 * the disk fills up and is freed twice (SQLite's {@code max_page_count}), and one of two sinks is down for the middle
 * half of the run. Every event answered 2xx must reach both sinks (once, or again as an identical copy), no event
 * answered 503 may reach any sink, and intake must recover without a restart each time space returns.
 *
 * <p>30 s by default; {@code -Deventkit.faultsoak.seconds=600} runs the 10-minute soak whose figures the README
 * reports.
 */
class FaultSoakTest {

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void everyAcknowledgedEventIsDeliveredAndNoRefusedOneIsStoredThroughFullDisksAndASinkOutage() throws Exception {
    long seconds = Long.getLong("eventkit.faultsoak.seconds", 30);
    long runNanos = TimeUnit.SECONDS.toNanos(seconds);
    SqliteRingBuffer log = SqliteRingBuffer.at(dir.resolve("wal.db"));
    ControllableSink steady = new ControllableSink("steady", false);
    ControllableSink flaky = new ControllableSink("flaky", false);
    Pipeline pipeline = Pipeline.builder().ringBuffer(log).sink(steady).sink(flaky)
        .shutdownTimeout(Duration.ofSeconds(60)).build().start();
    Collector collector = Collector.builder(pipeline).input(SegmentInput.create()).build();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> refused = ConcurrentHashMap.newKeySet();
    Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong lastAccepted = new AtomicLong();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        long n = 0;
        while (!stop.get()) {
          String id = "c" + client + "-" + n++;
          HttpResponse r = collector.handle(request(id)).join();
          statuses.computeIfAbsent(r.status(), k -> new AtomicLong()).incrementAndGet();
          if (r.status() == 202) {
            acknowledged.add(id);
            lastAccepted.set(System.nanoTime());
          } else {
            refused.add(id);
          }
        }
      }, "soak-client-" + c);
      clients.add(t);
    }
    long start = System.nanoTime();
    clients.forEach(Thread::start);
    // The sink outage runs on its own schedule, across the second disk fill.
    Thread outage = new Thread(() -> {
      try {
        sleepUntil(start + (long) (runNanos * 0.25));
        flaky.setDown(true);
        sleepUntil(start + (long) (runNanos * 0.75));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        flaky.setDown(false);
      }
    }, "soak-outage");
    outage.start();
    long maxRecoveryNanos = 0;
    try {
      for (double[] phase : new double[][] {{0.10, 0.20}, {0.55, 0.65}}) {
        sleepUntil(start + (long) (runNanos * phase[0]));
        long pages = log.limitPagesForTest(Integer.MAX_VALUE).join();
        log.limitPagesForTest(pages + 2).join();
        sleepUntil(start + (long) (runNanos * phase[1]));
        log.limitPagesForTest(Integer.MAX_VALUE).join();
        long freed = System.nanoTime();
        while (lastAccepted.get() < freed && System.nanoTime() - freed < TimeUnit.SECONDS.toNanos(30)) {
          Thread.sleep(10); // time passing: measuring how long intake takes to recover
        }
        assertThat(lastAccepted.get()).as("intake recovered by itself after the disk was freed").isGreaterThan(freed);
        maxRecoveryNanos = Math.max(maxRecoveryNanos, lastAccepted.get() - freed);
      }
      sleepUntil(start + runNanos);
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      outage.interrupt();
      outage.join();
    }
    flaky.setDown(false);
    pipeline.forceFlush().get(5, TimeUnit.MINUTES);
    Map<String, Long> problems = new HashMap<>();
    for (ControllableSink sink : List.of(steady, flaky)) {
      Set<String> delivered = sink.deliveredIds();
      // Set arithmetic: AssertJ's containsAll is quadratic, far too slow for a long soak's hundreds of thousands.
      Set<String> missing = new java.util.HashSet<>(acknowledged);
      missing.removeAll(delivered);
      Set<String> stored = new java.util.HashSet<>(refused);
      stored.retainAll(delivered);
      assertThat(missing).as("2xx events that never reached %s", sink.name()).isEmpty();
      assertThat(stored).as("503 events that reached %s", sink.name()).isEmpty();
      problems.put(sink.name() + ".duplicates", sink.deliveries() - delivered.size());
    }
    pipeline.close();
    assertThat(acknowledged).hasSizeGreaterThan(100);
    assertThat(refused).as("the full disk was felt").isNotEmpty();
    assertThat(statuses.keySet()).as("only 202 and 503 are answered").containsOnly(202, 503);
    System.out.printf("fault soak: %d s, %d acknowledged, %d refused (503), statuses %s, duplicates %s, "
        + "slowest recovery after space returned %d ms%n", seconds, acknowledged.size(), refused.size(), statuses,
        problems, TimeUnit.NANOSECONDS.toMillis(maxRecoveryNanos));
  }

  private static HttpRequest request(String id) {
    String body = "{\"type\":\"track\",\"event\":\"soak\",\"userId\":\"u\",\"messageId\":\"" + id
        + "\",\"properties\":{\"pad\":\"" + "x".repeat(500) + "\"}}";
    return HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
        .body(body.getBytes(StandardCharsets.UTF_8)).remoteAddress("127.0.0.1").build();
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left); // the soak's schedule: time passing, not a wait for a condition
    }
  }
}
