package dev.eventkit.gcp.pubsub;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.firestore.FirestoreSink;
import dev.eventkit.gcp.firestore.FirestoreTesting;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulator stops and comes back (empty: emulators keep everything in memory) in the middle of a distributed
 * run — a collector publishing its log, a worker delivering — while events keep arriving. What the test holds the
 * code to is what it controls: an event is never lost before its destination acknowledged it. Events the
 * restarted emulator itself forgot after acknowledging them (messages Pub/Sub had accepted but not yet handed out;
 * documents Firestore had stored) are the emulator's loss — a real service keeps them — and are counted, not
 * required.
 */
class EmulatorRestartTest {

  private static final Logger LOG = LoggerFactory.getLogger(EmulatorRestartTest.class);

  @BeforeAll
  static void servers() {
    TestServers.start("pubsub", "firestore");
  }

  @AfterAll
  static void leaveThemRunning() {
    // Make sure both are up for the next test class even if a test failed between stop and start.
    TestServers.start("pubsub", "firestore");
  }

  private static PubSubQueue.Builder queue(String topic, String subscription) {
    return PubSubQueue.builder(TestServers.projectId()).emulatorHost(TestServers.get("PUBSUB_EMULATOR_HOST"))
        .topic(topic).subscription(subscription)
        .ackDeadline(Duration.ofSeconds(10))
        .publishTimeout(Duration.ofSeconds(10))
        .publishRetry(RetryPolicy.builder().maxDelay(Duration.ofSeconds(1)).build());
  }

  @Test
  void aPubSubRestartLosesNothingTheCollectorHadNotSeenAcknowledged(@TempDir Path dir) throws Exception {
    String topic = PubSubTesting.unique("restart");
    String sub = PubSubTesting.unique("workers");
    PubSubQueue publisher = queue(topic, sub).role(PubSubQueue.Role.PUBLISHER).build();
    InMemorySink warehouse = new InMemorySink("warehouse");
    try (Pipeline collector = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .queue(publisher).build().start();
        Pipeline worker = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
            .queue(queue(topic, sub).role(PubSubQueue.Role.WORKER).workers(2).build())
            .sink(warehouse).build().start();
        Producer producer = new Producer(collector)) {
      producer.runUntil(() -> ids(warehouse.envelopes()).size() >= 200);

      TestServers.stop("pubsub");
      // From here on nothing more can be acknowledged: everything above this sequence must arrive.
      long acknowledged = publisher.publishedSequence();
      producer.runUntil(() -> producer.accepted().size() >= acknowledged + 400);
      SinkStatus during = awaitStatus(collector, s -> s.lagEvents() > 0 && s.state() != SinkState.OK);
      LOG.info("during the outage the publisher is {} with {} event(s) waiting in the log", during.state(),
          during.lagEvents());

      TestServers.start("pubsub");
      producer.runUntil(() -> producer.accepted().size() >= acknowledged + 800);
      producer.stop();

      assertThat(flushed(collector, Duration.ofSeconds(90))).as("the log is published again after the restart")
          .isTrue();
      List<String> accepted = producer.accepted();
      List<String> mustArrive = accepted.subList((int) acknowledged, accepted.size());
      warehouse.await(l -> ids(l).containsAll(mustArrive), Duration.ofSeconds(90));

      Set<String> missing = new HashSet<>(accepted);
      missing.removeAll(ids(warehouse.envelopes()));
      assertThat(accepted.subList(0, (int) acknowledged)).containsAll(missing);
      assertThat(worker.status().sinks().get(0).delivered()).isGreaterThanOrEqualTo(mustArrive.size());
      LOG.info("Pub/Sub restart: {} accepted, {} acknowledged by Pub/Sub before it stopped, {} of those lost with "
          + "the emulator's memory, all {} others delivered", accepted.size(), acknowledged, missing.size(),
          mustArrive.size());
    }
  }

  @Test
  void aFirestoreRestartLosesNothingFirestoreHadNotAcknowledged() throws Exception {
    String topic = PubSubTesting.unique("fs-restart");
    String sub = PubSubTesting.unique("workers");
    String prefix = FirestoreTesting.uniquePrefix("restart");
    Recording firestoreSink = new Recording(FirestoreSink.builder(TestServers.projectId())
        .emulatorHost(TestServers.get("FIRESTORE_EMULATOR_HOST")).collectionPrefix(prefix).build());
    try (FirestoreTesting store = FirestoreTesting.connect();
        Pipeline collector = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
            .queue(queue(topic, sub).role(PubSubQueue.Role.PUBLISHER).build()).build().start();
        Pipeline worker = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
            .queue(queue(topic, sub).role(PubSubQueue.Role.WORKER).workers(2).build())
            .sink(firestoreSink, RetryPolicy.builder().maxDelay(Duration.ofSeconds(1)).build())
            .batchSize(50).build().start();
        Producer producer = new Producer(collector)) {
      producer.runUntil(() -> firestoreSink.acknowledged().size() >= 200);

      TestServers.stop("firestore");
      Set<String> acknowledged = firestoreSink.acknowledged();
      producer.runUntil(() -> producer.accepted().size() >= acknowledged.size() + 400);
      SinkStatus during = awaitStatus(worker, s -> s.state() != SinkState.OK);
      LOG.info("during the outage the Firestore sink is {}: {}", during.state(), during.lastError());

      TestServers.start("firestore");
      producer.runUntil(() -> producer.accepted().size() >= acknowledged.size() + 800);
      producer.stop();
      assertThat(flushed(collector, Duration.ofSeconds(60))).isTrue();

      List<String> accepted = producer.accepted();
      Set<String> mustArrive = new HashSet<>(accepted);
      mustArrive.removeAll(acknowledged);
      var docs = store.await(prefix + "default", d -> d.keySet().containsAll(mustArrive), Duration.ofSeconds(90));
      assertThat(accepted).containsAll(docs.keySet());
      Set<String> missing = new HashSet<>(accepted);
      missing.removeAll(docs.keySet());
      assertThat(acknowledged).containsAll(missing);
      LOG.info("Firestore restart: {} accepted, {} stored before it stopped, {} of those lost with the emulator's "
          + "memory, all {} others stored", accepted.size(), acknowledged.size(), missing.size(), mustArrive.size());
    }
  }

  private static Set<String> ids(List<Envelope> envelopes) {
    Set<String> out = new HashSet<>();
    envelopes.forEach(e -> out.add(e.id()));
    return out;
  }

  private static SinkStatus awaitStatus(Pipeline p, java.util.function.Predicate<SinkStatus> condition) {
    return await().alias("the sink's status").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> p.status().sinks().get(0), condition);
  }

  /** Collects batches of 10 events one after another on its own thread, remembering the accepted ids in order. */
  private static final class Producer implements AutoCloseable {
    private final Pipeline pipeline;
    private final List<String> accepted = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private volatile Throwable failure;

    Producer(Pipeline pipeline) {
      this.pipeline = pipeline;
      this.thread = new Thread(this::run, "producer");
      thread.start();
    }

    private void run() {
      int n = 0;
      while (!stop.get()) {
        List<Envelope> batch = Envelopes.tracks("e" + n + "-", 10);
        n++;
        try {
          pipeline.collect(batch).get(30, TimeUnit.SECONDS);
          synchronized (accepted) {
            batch.forEach(e -> accepted.add(e.id()));
          }
          Thread.sleep(10); // paced: events keep arriving all through the emulator's restart
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          failure = e;
          return;
        }
      }
    }

    /** Waits (producing meanwhile) until the condition holds. */
    void runUntil(BooleanSupplier condition) {
      await().alias("the condition, while producing").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(20)).until(() -> {
            if (failure != null) {
              throw new AssertionError("collecting failed", failure);
            }
            return condition.getAsBoolean();
          });
    }

    /** Accepted ids in log order: the k-th id has sequence k + 1. */
    List<String> accepted() {
      synchronized (accepted) {
        return new ArrayList<>(accepted);
      }
    }

    void stop() {
      stop.set(true);
      try {
        thread.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      stop();
    }
  }

  /** Records which events its sink acknowledged (a successful write, per event). */
  private static final class Recording implements Sink {
    private final Sink inner;
    private final Set<String> acknowledged = new HashSet<>();

    Recording(Sink inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public CompletableFuture<WriteResult> write(List<Envelope> batch) {
      return inner.write(batch).thenApply(r -> {
        synchronized (acknowledged) {
          for (int i = 0; i < batch.size(); i++) {
            if (r.failureOf(i) == null) {
              acknowledged.add(batch.get(i).id());
            }
          }
        }
        return r;
      });
    }

    Set<String> acknowledged() {
      synchronized (acknowledged) {
        return new HashSet<>(acknowledged);
      }
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
