package dev.eventkit.gcp.pubsub;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.pubsub.v1.PubsubMessage;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distributed queue in one JVM against the emulator: roles, cursor, acknowledgement after the sinks, leases. */
class PubSubQueueTest {

  private static PubSubTesting pubsub;

  @BeforeAll
  static void connect() throws Exception {
    pubsub = PubSubTesting.connect();
  }

  @AfterAll
  static void disconnect() throws Exception {
    pubsub.close();
  }

  private static PubSubQueue.Builder queue(String topic, String subscription) {
    return PubSubQueue.builder(pubsub.project()).emulatorHost(PubSubTesting.emulatorHost())
        .topic(topic).subscription(subscription);
  }

  private static Set<String> ids(List<Envelope> envelopes) {
    Set<String> out = new HashSet<>();
    envelopes.forEach(e -> out.add(e.id()));
    return out;
  }

  @Test
  void bothRolesInOneProcessDeliverEachEventToTheSinksThatAcceptIt(@TempDir Path dir) throws Exception {
    String topic = PubSubTesting.unique("both");
    String sub = PubSubTesting.unique("workers");
    InMemorySink valid = new InMemorySink("valid");
    InMemorySink invalid = new InMemorySink("invalid");
    List<Envelope> events = new ArrayList<>(Envelopes.tracks("b-", 300));
    for (int i = 0; i < 300; i += 10) {
      events.set(i, events.get(i).toBuilder()
          .validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad", List.of())).build());
    }
    try (Pipeline p = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .queue(queue(topic, sub).role(PubSubQueue.Role.BOTH).workers(2).build())
        .sink(valid)
        .invalidSink(invalid)
        .build().start()) {
      p.collect(events).get(30, TimeUnit.SECONDS);
      assertThat(flushed(p, Duration.ofSeconds(60))).isTrue(); // published: safe in Pub/Sub
      valid.await(l -> ids(l).size() >= 270, Duration.ofSeconds(60));
      invalid.await(l -> ids(l).size() >= 30, Duration.ofSeconds(60));

      List<SinkStatus> status = p.status().sinks();
      assertThat(status).extracting(SinkStatus::sink).containsExactly("pubsub", "valid", "invalid");
      assertThat(status.get(0).lagEvents()).isZero();
      assertThat(status.get(0).delivered()).isEqualTo(300);
    }
    assertThat(ids(valid.envelopes())).hasSize(270).allMatch(id -> !id.endsWith("0"));
    assertThat(ids(invalid.envelopes())).hasSize(30).allMatch(id -> id.endsWith("0"));
    assertThat(valid.envelopes()).allMatch(e -> !e.validation().isInvalid());
  }

  @Test
  void aPublisherOnlyPipelineHasNoSinksAndMovesItsCursorOnlyOverAcknowledgedEvents(@TempDir Path dir)
      throws Exception {
    String topic = PubSubTesting.unique("pub");
    String sub = PubSubTesting.unique("workers");
    assertThatThrownBy(() -> Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(queue(topic, sub).role(PubSubQueue.Role.PUBLISHER).build())
        .sink(new InMemorySink("x")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("delivers elsewhere");
    assertThatThrownBy(() -> Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one sink");

    PubSubQueue q = queue(topic, sub).role(PubSubQueue.Role.PUBLISHER).build();
    assertThat(q.deliversToSinks()).isFalse();
    List<Envelope> events = Envelopes.tracks("p-", 1200);
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db"))).queue(q)
        .build().start()) {
      for (int i = 0; i < events.size(); i += 200) {
        p.collect(events.subList(i, i + 200)).get(30, TimeUnit.SECONDS);
      }
      assertThat(flushed(p, Duration.ofSeconds(60))).isTrue();
      assertThat(q.publishedSequence()).isEqualTo(1200);
      assertThat(p.status().sinks()).singleElement().satisfies(s -> {
        assertThat(s.sink()).isEqualTo("pubsub");
        assertThat(s.lagEvents()).isZero();
        assertThat(s.state()).isEqualTo(SinkState.OK);
      });
    }
    // The publisher created the workers' subscription with the topic, so nothing was published into the void.
    List<PubsubMessage> got = pubsub.pullUntil(sub, l -> l.size() >= 1200, Duration.ofSeconds(60));
    Set<String> gotIds = new HashSet<>();
    got.forEach(m -> gotIds.add(m.getAttributesMap().get(PubSubMessages.EVENT_ID)));
    assertThat(gotIds).isEqualTo(ids(events));
    // The cursor is durable: reopened, the log has nothing left to publish.
    try (SqliteRingBuffer log = SqliteRingBuffer.at(dir.resolve("log.db"))) {
      assertThat(log.openCursor("pubsub")).isEqualTo(1200);
    }
  }

  @Test
  void aWorkerKeepsItsMessagesLeasedWhileItsSinkFailsAndHandsThemBackUnacknowledgedOnClose() throws Exception {
    String topic = PubSubTesting.unique("lease");
    String sub = PubSubTesting.unique("workers");
    List<Envelope> events = Envelopes.tracks("w-", 200);
    // Publish first (the publisher creates topic and subscription), then stop publishing.
    try (Pipeline collector = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(queue(topic, sub).role(PubSubQueue.Role.PUBLISHER).ackDeadline(Duration.ofSeconds(10)).build())
        .build().start()) {
      collector.collect(events).get(30, TimeUnit.SECONDS);
      assertThat(flushed(collector, Duration.ofSeconds(60))).isTrue();
    }

    FailingSink failing = new FailingSink("warehouse");
    Pipeline workerA = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(queue(topic, sub).role(PubSubQueue.Role.WORKER).workers(1).maxMessagesPerPull(1000)
            .ackDeadline(Duration.ofSeconds(10)).shutdownGrace(Duration.ofSeconds(1)).build())
        .sink(failing).build().start();
    ControllableSink healthy = new ControllableSink("warehouse");
    Pipeline workerB = null;
    try {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
        assertThat(failing.attempted()).as("worker A pulled and tried its sink").isNotEmpty();
      });
      Set<String> heldByA = failing.attempted();
      workerB = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
          .queue(queue(topic, sub).role(PubSubQueue.Role.WORKER).workers(2).build())
          .sink(healthy).build().start();

      // B gets what A did not pull; well past the 10 s ack deadline A still holds its messages (it extends their
      // leases while its sink retries), so B gets none of those.
      Set<String> rest = new HashSet<>(ids(events));
      rest.removeAll(heldByA);
      healthy.awaitIds(rest, Duration.ofSeconds(30));
      // Time has to pass here, past the ack deadline: what is checked is that nothing more arrives at B.
      Thread.sleep(16_000);
      Set<String> atB = new HashSet<>();
      healthy.delivered().forEach(e -> atB.add(e.id()));
      assertThat(atB).isEqualTo(rest).doesNotContainAnyElementsOf(heldByA);
      SinkStatus a = workerA.status().sinks().get(0);
      assertThat(a.state()).isIn(SinkState.RETRYING, SinkState.FAILING);
      assertThat(a.lagEvents()).as("pulled, not delivered").isEqualTo(heldByA.size());
    } finally {
      // A stops with its sink still failing: nothing was acknowledged, everything is handed back at once.
      workerA.close();
    }
    try {
      healthy.awaitIds(ids(events), Duration.ofSeconds(60));
    } finally {
      workerB.close();
    }
    assertThat(healthy.distinctDelivered()).isEqualTo(200);
  }

  /** Fails every write (retryably) and remembers which events it was offered. */
  private static final class FailingSink implements dev.eventkit.sink.Sink {
    private final String name;
    private final Set<String> attempted = new HashSet<>();

    FailingSink(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public java.util.concurrent.CompletableFuture<dev.eventkit.sink.WriteResult> write(List<Envelope> batch) {
      synchronized (attempted) {
        batch.forEach(e -> attempted.add(e.id()));
      }
      return java.util.concurrent.CompletableFuture.completedFuture(
          dev.eventkit.sink.WriteResult.failed(dev.eventkit.sink.Failure.retryable("warehouse is down")));
    }

    Set<String> attempted() {
      synchronized (attempted) {
        return new HashSet<>(attempted);
      }
    }
  }

  @Test
  void buildRefusesBadSettings() {
    assertThatThrownBy(() -> PubSubQueue.builder("p").workers(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
    assertThatThrownBy(() -> PubSubQueue.builder("p").ackDeadline(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ackDeadline");
    assertThatThrownBy(() -> PubSubQueue.builder("p").subscription("x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subscription");
    assertThatThrownBy(() -> PubSubQueue.builder(null).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("project");
    assertThat(PubSubQueue.builder("p").role(PubSubQueue.Role.WORKER).build().deliversToSinks()).isTrue();
  }
}
