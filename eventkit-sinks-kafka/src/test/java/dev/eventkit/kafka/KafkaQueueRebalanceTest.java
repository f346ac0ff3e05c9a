package dev.eventkit.kafka;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.testing.DelayedSink;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rebalances while batches are in flight: a slow worker is joined by a second one (its partitions are revoked and
 * reassigned mid-batch), then closed while it still holds a batch. Every published id must reach the two workers'
 * sinks together.
 */
class KafkaQueueRebalanceTest {

  private static String bootstrap;

  @BeforeAll
  static void broker() {
    bootstrap = KafkaTesting.start();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void joinsAndLeavesMidBatchLoseNothing(@TempDir Path dir) throws Exception {
    String topic = KafkaTesting.unique("rebalance");
    String group = KafkaTesting.unique("workers");
    InMemorySink sinkA = new InMemorySink("a");
    InMemorySink sinkB = new InMemorySink("b");
    int total = 2000;
    try (Pipeline publisher = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .queue(KafkaQueue.builder(bootstrap).role(KafkaQueue.Role.PUBLISHER).topic(topic).build()).build()
        .start()) {
      publisher.collect(Envelopes.tracks("e-", total)).get(30, TimeUnit.SECONDS);
      assertThat(flushed(publisher, Duration.ofSeconds(60))).isTrue();
    }
    Pipeline workerA = worker(group, topic, new DelayedSink(sinkA, 500), Duration.ZERO);
    Pipeline workerB = null;
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> sinkA.envelopes().size() >= 50);
      // B joins while A is in the middle of its batches: A's partitions are revoked and split.
      workerB = worker(group, topic, new DelayedSink(sinkB, 20), Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(60)).until(() -> !sinkB.envelopes().isEmpty());
      // A leaves at once (no shutdown grace) while it holds a batch its slow sink has only partly written.
      workerA.close();
      workerA = null;
      Set<String> want = new HashSet<>();
      Envelopes.tracks("e-", total).forEach(e -> want.add(e.id()));
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        Set<String> got = new HashSet<>();
        sinkA.envelopes().forEach(e -> got.add(e.id()));
        sinkB.envelopes().forEach(e -> got.add(e.id()));
        assertThat(got).isEqualTo(want);
      });
    } finally {
      if (workerA != null) {
        workerA.close();
      }
      if (workerB != null) {
        workerB.close();
      }
    }
  }

  private static Pipeline worker(String group, String topic, Sink sink, Duration grace) {
    return Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(KafkaQueue.builder(bootstrap).role(KafkaQueue.Role.WORKER).topic(topic).groupId(group).workers(2)
            .maxPollRecords(50).shutdownGrace(grace).consumerProperty("session.timeout.ms", 6000)
            .consumerProperty("heartbeat.interval.ms", 1000).build())
        .sink(sink).batchSize(10).build().start();
  }
}
