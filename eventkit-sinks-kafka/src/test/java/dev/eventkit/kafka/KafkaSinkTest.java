package dev.eventkit.kafka;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link KafkaSink} against a real broker (KRaft, started by the project's test-server scripts). */
class KafkaSinkTest {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkTest.class);
  private static String bootstrap;

  @BeforeAll
  static void broker() {
    bootstrap = KafkaTesting.start();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void nothingIsLostWhenTheBrokerRestartsMidStream(@TempDir Path dir) throws Exception {
    String topic = KafkaTesting.unique("restart");
    int perRound = 500;
    List<String> ids = new ArrayList<>();
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .sink(KafkaSink.builder(bootstrap).topic(topic).maxBlock(Duration.ofSeconds(2))
            // Shorter than the outage: sends fail back to the pipeline (retryable) instead of waiting it out.
            .deliveryTimeout(Duration.ofSeconds(6)).requestTimeout(Duration.ofSeconds(5)).build())
        .batchSize(100).build().start()) {
      p.collect(Envelopes.tracks("a-", perRound)).get(30, TimeUnit.SECONDS);
      Envelopes.tracks("a-", perRound).forEach(e -> ids.add(e.id()));
      KafkaTesting.stop();
      // Accepted while the broker is down: durable in the log, delivered once it is back.
      List<CompletableFuture<Void>> accepted = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        List<Envelope> batch = Envelopes.tracks("b" + r + "-", perRound / 4);
        accepted.add(p.collect(batch));
        batch.forEach(e -> ids.add(e.id()));
      }
      for (CompletableFuture<Void> f : accepted) {
        f.get(30, TimeUnit.SECONDS);
      }
      // The outage surfaced as retryable failures, retried by the pipeline (not dead-lettered).
      await().atMost(Duration.ofSeconds(60)).until(() -> p.status().sinks().get(0).retried() > 0);
      KafkaTesting.start();
      p.collect(Envelopes.tracks("c-", perRound)).get(30, TimeUnit.SECONDS);
      Envelopes.tracks("c-", perRound).forEach(e -> ids.add(e.id()));
      assertThat(flushed(p, Duration.ofSeconds(120))).as("everything delivered after the restart").isTrue();
      assertThat(p.status().sinks().get(0).deadLettered()).isZero();
    }

    List<ConsumerRecord<String, byte[]>> records = KafkaTesting.read(topic, ids.size(), Duration.ofSeconds(60));
    Map<String, byte[]> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      Envelope e = KafkaRecords.toEnvelope(r);
      byte[] earlier = byId.putIfAbsent(e.id(), r.value());
      if (earlier != null) {
        assertThat(Arrays.equals(earlier, r.value())).as("a duplicate is an identical replay of " + e.id()).isTrue();
      }
      assertThat(r.key()).isEqualTo(e.id());
      Map<String, String> h = KafkaTesting.headers(r);
      assertThat(h).containsEntry(KafkaRecords.EVENT_ID, e.id()).containsEntry(KafkaRecords.STREAM, e.stream())
          .containsEntry(KafkaRecords.PROTOCOL, "segment").containsEntry(KafkaRecords.VALIDATION, "not_validated")
          .containsEntry(KafkaRecords.ENVELOPE_VERSION, Integer.toString(EnvelopeCodec.FORMAT_VERSION));
    }
    assertThat(byId.keySet()).isEqualTo(new HashSet<>(ids));
    LOG.info("broker restart: {} events, {} records, {} replays", ids.size(), records.size(),
        records.size() - byId.size());
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aRecordTooLargeGoesToTheDeadLetterSinkAndTheRestIsDelivered(@TempDir Path dir) throws Exception {
    String topic = KafkaTesting.unique("large");
    InMemorySink deadLetters = new InMemorySink("dead");
    String big = "x".repeat(200_000);
    Envelope large = Envelope.builder().id("large-1").protocol("segment")
        .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"properties\":{\"blob\":\"" + big + "\"}}").build();
    List<Envelope> batch = new ArrayList<>(Envelopes.tracks("ok-", 10));
    batch.add(5, large);
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .sink(KafkaSink.builder(bootstrap).topic(topic).maxRequestSize(100_000).build())
        .deadLetterSink(deadLetters).build().start()) {
      p.collect(batch).get(30, TimeUnit.SECONDS);
      assertThat(flushed(p, Duration.ofSeconds(60))).isTrue();
    }
    assertThat(deadLetters.envelopes()).extracting(Envelope::id).containsExactly("large-1");
    List<ConsumerRecord<String, byte[]>> records = KafkaTesting.read(topic, 10, Duration.ofSeconds(30));
    Set<String> delivered = new HashSet<>();
    records.forEach(r -> delivered.add(KafkaRecords.toEnvelope(r).id()));
    assertThat(delivered).hasSize(10).allMatch(id -> id.startsWith("ok-"));
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void topicPerStreamAndKeyChoice(@TempDir Path dir) throws Exception {
    String prefix = KafkaTesting.unique("ps") + "-";
    Envelope web = Envelope.builder().id("w-1").protocol("segment").stream("web")
        .payloadJson("{\"type\":\"track\",\"userId\":\"user-7\"}").build();
    try (KafkaSink sink = KafkaSink.builder(bootstrap).topicPerStream(prefix).key(KafkaKeys.userId()).build()) {
      WriteResult r = sink.write(List.of(web)).get(60, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).isTrue();
    }
    List<ConsumerRecord<String, byte[]>> records = KafkaTesting.read(prefix + "web", 1, Duration.ofSeconds(30));
    assertThat(records).hasSize(1);
    assertThat(records.get(0).key()).isEqualTo("user-7");
  }

  @Test
  void sendErrorsAreSortedIntoRetryableAndPermanent() {
    assertThat(KafkaFailures.classify(new RecordTooLargeException("m")).retryable()).isFalse();
    assertThat(KafkaFailures.classify(new InvalidTopicException("m")).retryable()).isFalse();
    assertThat(KafkaFailures.classify(new TopicAuthorizationException("m")).retryable()).isFalse();
    assertThat(KafkaFailures.classify(new TimeoutException("m")).retryable()).isTrue();
    assertThat(KafkaFailures.classify(new NotLeaderOrFollowerException("m")).retryable()).isTrue();
    assertThat(KafkaFailures.classify(new IllegalStateException("m")).retryable()).isTrue();
    Failure f = KafkaFailures.classify(new RecordTooLargeException("secret payload"));
    assertThat(f.reason()).doesNotContain("secret");
  }

  @Test
  void buildRefusesSettingsThatBreakIdempotenceOrNames() {
    assertThatThrownBy(() -> KafkaSink.builder("h:1").property("acks", "1").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acks");
    assertThatThrownBy(() -> KafkaSink.builder("h:1").topic("bad topic"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KafkaSink.builder("h:1").compression("brotli").build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
