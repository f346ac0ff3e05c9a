package dev.eventkit.gcp.pubsub;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker's pull batches are bounded by bytes as well as by count, against the emulator: 30 messages of about
 * 100 KB waiting in the subscription, pulled with room for 500 messages but 300 KB, reach the sink in batches of at
 * most 3, and every one of them arrives.
 */
class PullBatchBytesTest {

  private static PubSubTesting pubsub;

  @BeforeAll
  static void connect() throws Exception {
    pubsub = PubSubTesting.connect();
  }

  @AfterAll
  static void disconnect() throws Exception {
    pubsub.close();
  }

  /** Records the size of every batch it is given. */
  private static final class BatchSizes implements Sink {
    final List<Integer> sizes = new CopyOnWriteArrayList<>();
    final Set<String> ids = ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
      return "sizes";
    }

    @Override
    public CompletableFuture<WriteResult> write(List<Envelope> batch) {
      sizes.add(batch.size());
      batch.forEach(e -> ids.add(e.id()));
      return CompletableFuture.completedFuture(WriteResult.success());
    }
  }

  @Test
  void aPullHoldsNoMoreBytesThanAllowed() throws Exception {
    String topic = PubSubTesting.unique("bytes");
    String sub = PubSubTesting.unique("workers");
    String blob = "y".repeat(100_000);
    List<Envelope> events = new ArrayList<>();
    for (Envelope e : Envelopes.tracks("big-", 30)) {
      events.add(e.toBuilder().payloadJson("{\"type\":\"track\",\"blob\":\"" + blob + "\"}").build());
    }
    PubSubQueue.Builder queue = PubSubQueue.builder(pubsub.project()).emulatorHost(PubSubTesting.emulatorHost())
        .topic(topic).subscription(sub);
    try (Pipeline publisher = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(queue.role(PubSubQueue.Role.PUBLISHER).build()).build().start()) {
      publisher.collect(events).get(30, TimeUnit.SECONDS);
      assertThat(flushed(publisher, Duration.ofSeconds(60))).isTrue();
    }
    BatchSizes sink = new BatchSizes();
    try (Pipeline worker = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
        .queue(queue.role(PubSubQueue.Role.WORKER).workers(1).maxMessagesPerPull(500).maxBytesPerPull(300_000)
            .build())
        .sink(sink).build().start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> sink.ids.size() == 30);
      assertThat(worker.status().sinks()).extracting(s -> s.sink()).contains("sizes");
    }
    assertThat(sink.sizes).allMatch(n -> n <= 3);
  }
}
