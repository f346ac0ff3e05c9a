package dev.eventkit.kafka;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.testing.Envelopes;
import dev.eventkit.testing.NdjsonFiles;
import dev.eventkit.testing.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distributed mode over a real broker: two collector pipelines (each its own SQLite log, publish-only queue)
 * publish to one topic; two worker JVMs share one consumer group and deliver to file sinks the test reads. One
 * worker is killed with SIGKILL mid-stream. Every accepted event id must reach the sinks (distinct ids = accepted);
 * replays are allowed.
 */
class KafkaQueueTest {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaQueueTest.class);
  private static final int BATCHES_PER_COLLECTOR = 40;
  private static final int EVENTS_PER_BATCH = 25;
  private static String bootstrap;

  @BeforeAll
  static void broker() {
    bootstrap = KafkaTesting.start();
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyAcceptedEventReachesTheSinksThoughAWorkerIsKilled(@TempDir Path dir) throws Exception {
    String topic = KafkaTesting.unique("dist");
    String group = KafkaTesting.unique("workers");
    List<WorkerProcess> workers = new ArrayList<>();
    List<Pipeline> collectors = new ArrayList<>();
    try {
      for (int w = 0; w < 2; w++) {
        workers.add(WorkerProcess.start(KafkaWorkerMain.class, List.of("bootstrap=" + bootstrap, "topic=" + topic,
            "group=" + group,
            "dir=" + dir.resolve("files-" + w), "loops=2", "delayMillis=100"), dir.resolve("worker-" + w + ".log")));
      }
      for (WorkerProcess w : workers) {
        w.awaitReady();
      }
      for (int c = 0; c < 2; c++) {
        collectors.add(Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("collector-" + c + ".db")))
            .queue(KafkaQueue.builder(bootstrap).role(KafkaQueue.Role.PUBLISHER).topic(topic).build())
            .build().start());
      }

      // An id counts as accepted when the pipeline said it is durable.
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      CountDownLatch halfSent = new CountDownLatch(2);
      CountDownLatch killed = new CountDownLatch(1);
      List<Thread> senders = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        Pipeline collector = collectors.get(c);
        String prefix = "c" + c + "-";
        Thread t = new Thread(() -> send(collector, prefix, accepted, halfSent, killed), "sender-" + c);
        senders.add(t);
        t.start();
      }

      assertThat(halfSent.await(60, TimeUnit.SECONDS)).isTrue();
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> NdjsonFiles.completeLineIds(dir.resolve("files-0")).size() >= 150);
      } catch (ConditionTimeoutException fewerThan150) {
        LOG.info("worker 0 delivered fewer than 150 events within 60 s; killing it now");
      }
      int beforeKill = NdjsonFiles.completeLineIds(dir.resolve("files-0")).size();
      assertThat(beforeKill).as("worker 0 delivered before it was killed").isPositive();
      workers.get(0).kill();
      assertThat(workers.get(0).isAlive()).isFalse();
      killed.countDown();
      for (Thread t : senders) {
        t.join(TimeUnit.MINUTES.toMillis(2));
      }
      assertThat(accepted).hasSize(2 * BATCHES_PER_COLLECTOR * EVENTS_PER_BATCH);
      for (Pipeline c : collectors) {
        assertThat(flushed(c, Duration.ofSeconds(60))).as("everything accepted is published").isTrue();
      }

      List<String> lines = new ArrayList<>();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        lines.clear();
        lines.addAll(NdjsonFiles.completeLineIds(dir.resolve("files-0")));
        lines.addAll(NdjsonFiles.completeLineIds(dir.resolve("files-1")));
        assertThat(new HashSet<>(lines)).isEqualTo(accepted);
      });
      LOG.info("kafka distributed run: {} events accepted, worker 0 delivered {} line(s) before SIGKILL; file sinks "
          + "hold {} line(s), {} of them replays", accepted.size(), beforeKill, lines.size(),
          lines.size() - new HashSet<>(lines).size());
      assertThat(workers.get(1).closeGracefully()).as("the surviving worker shuts down cleanly").isTrue();
    } finally {
      for (Pipeline c : collectors) {
        c.close();
      }
      for (WorkerProcess w : workers) {
        w.close();
      }
    }
  }

  private static void send(Pipeline collector, String prefix, Set<String> accepted, CountDownLatch halfSent,
      CountDownLatch killed) {
    try {
      for (int b = 0; b < BATCHES_PER_COLLECTOR; b++) {
        if (b == BATCHES_PER_COLLECTOR / 2) {
          halfSent.countDown();
          killed.await(90, TimeUnit.SECONDS);
        }
        List<Envelope> batch = Envelopes.tracks(prefix + b + "-", EVENTS_PER_BATCH);
        collector.collect(batch).get(30, TimeUnit.SECONDS);
        batch.forEach(e -> accepted.add(e.id()));
        // Paced, so that the stream is still running when the worker is killed.
        Thread.sleep(15);
      }
    } catch (Exception e) {
      LOG.error("sender failed", e);
    }
  }
}
