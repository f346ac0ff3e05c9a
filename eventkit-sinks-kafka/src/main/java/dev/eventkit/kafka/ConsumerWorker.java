package dev.eventkit.kafka;

import dev.eventkit.event.Envelope;
import dev.eventkit.internal.delivery.WorkerTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer loop of a worker process: a {@link KafkaConsumer} in the workers' group ({@code
 * enable.auto.commit=false}) that polls a batch, hands its envelopes to every sink, and commits the batch's offsets
 * only when every sink delivered or dead-lettered them. While the sinks work (retries can take long) it keeps
 * polling with its partitions paused, so that the group does not think it dead and rebalances run.
 *
 * <p>Rebalances: when partitions are revoked, finished offsets are committed ({@code onPartitionsRevoked}) and the
 * batch's records of revoked partitions are dropped from its commit — their new owner reads them again, which
 * idempotent sinks absorb. Partitions assigned while a batch is in flight stay paused until it is done. A process
 * that dies commits nothing more; the group hands its partitions to the others after the session timeout, and they
 * resume from the last commit (at least once).
 *
 * <p>Thread-safety: {@link #run} runs on one thread, which alone touches the consumer; {@link #stop} and
 * {@link #abandon} may be called from any.
 */
final class ConsumerWorker implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerWorker.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration WAIT_POLL = Duration.ofMillis(200);

  private final Properties properties;
  private final String topic;
  private final List<WorkerTarget> targets;
  private final Duration commitTimeout;

  private volatile boolean running = true;
  private volatile boolean abandoned;
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  /** Offsets delivered and not yet committed, by partition; touched on the loop's thread only. */
  private final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
  /** Partitions of the batch in flight that are still ours; null when no batch is in flight. */
  private Set<TopicPartition> inFlight;

  ConsumerWorker(Properties properties, String topic, List<WorkerTarget> targets, Duration commitTimeout) {
    this.properties = properties;
    this.topic = topic;
    this.targets = targets;
    this.commitTimeout = commitTimeout;
  }

  @Override
  public void run() {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer = c;
      if (!running) {
        return;
      }
      c.subscribe(List.of(topic), new Listener(c));
      while (running) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = c.poll(POLL);
        } catch (WakeupException e) {
          continue;
        } catch (KafkaException e) {
          LOG.warn("polling Kafka topic {} failed ({}); retrying", topic, e.getClass().getSimpleName());
          continue;
        }
        if (!records.isEmpty()) {
          handle(c, records);
        }
      }
      commitDone(c, null);
    } catch (RuntimeException e) {
      LOG.error("Kafka consumer loop on topic {} stopped: {}", topic, e.getClass().getSimpleName());
    }
  }

  private void handle(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
    List<Envelope> envelopes = new ArrayList<>(records.count());
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        envelopes.add(KafkaRecords.toEnvelope(r));
      } catch (RuntimeException e) {
        // Not written by eventkit (nothing eventkit accepted is lost): committed past so it cannot loop forever.
        LOG.warn("record at offset {} of {}-{} is not an eventkit envelope; skipped", r.offset(), r.topic(),
            r.partition());
      }
    }
    inFlight = new HashSet<>(next.keySet());
    List<CompletableFuture<Void>> parts = new ArrayList<>(targets.size());
    for (WorkerTarget t : targets) {
      parts.add(t.deliver(envelopes));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    c.pause(c.assignment());
    while (!all.isDone() && !abandoned) {
      try {
        all.get(WAIT_POLL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        keepAlive(c);
      } catch (ExecutionException | CancellationException e) {
        break;
      } catch (InterruptedException e) {
        // abandon() interrupts; the loop re-checks.
      }
    }
    boolean ok = all.isDone() && !all.isCompletedExceptionally();
    Set<TopicPartition> stillOurs = inFlight;
    inFlight = null;
    if (ok) {
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : next.entrySet()) {
        if (stillOurs.contains(e.getKey())) {
          done.put(e.getKey(), e.getValue());
        }
      }
      commitDone(c, null);
    } else {
      // Stopped before the sinks finished: rewind, so that nothing of this batch counts as consumed.
      for (TopicPartition tp : stillOurs) {
        rewind(c, tp, records);
      }
    }
    c.resume(c.assignment());
  }

  /** Polls with every partition paused: keeps group membership and runs rebalance callbacks meanwhile. */
  private void keepAlive(KafkaConsumer<byte[], byte[]> c) {
    try {
      ConsumerRecords<byte[], byte[]> stray = c.poll(Duration.ZERO);
      // Records of a partition assigned between pause and poll: read them again after this batch.
      for (TopicPartition tp : stray.partitions()) {
        c.seek(tp, stray.records(tp).get(0).offset());
      }
      c.pause(c.assignment());
    } catch (WakeupException e) {
      // stop() or abandon(): the caller re-checks.
    } catch (KafkaException e) {
      LOG.debug("poll while waiting for sinks failed: {}", e.getClass().getSimpleName());
    }
  }

  private static void rewind(KafkaConsumer<byte[], byte[]> c, TopicPartition tp,
      ConsumerRecords<byte[], byte[]> records) {
    List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
    if (!rs.isEmpty() && c.assignment().contains(tp)) {
      c.seek(tp, rs.get(0).offset());
    }
  }

  /** Commits the finished offsets of {@code only} (all when null); a failure leaves them to be read again. */
  private void commitDone(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> only) {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : done.entrySet()) {
      if (only == null || only.contains(e.getKey())) {
        commit.put(e.getKey(), e.getValue());
      }
    }
    if (commit.isEmpty()) {
      return;
    }
    try {
      c.commitSync(commit, commitTimeout);
      commit.keySet().forEach(done::remove);
    } catch (WakeupException e) {
      // Kept in done: committed with the next batch, or on close.
    } catch (KafkaException e) {
      // A rebalance took the partitions, or the broker is away: kept for the next commit; at worst re-read.
      LOG.info("committing offsets on topic {} failed ({}); will retry", topic, e.getClass().getSimpleName());
      commit.keySet().stream().filter(tp -> !c.assignment().contains(tp)).forEach(done::remove);
    }
  }

  /** Stops polling; the batch in hand is still finished and committed. */
  void stop() {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  /** Gives up the batch in hand: nothing of it is committed. */
  void abandon() {
    abandoned = true;
    stop();
  }

  private final class Listener implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> c;

    Listener(KafkaConsumer<byte[], byte[]> c) {
      this.c = c;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      commitDone(c, partitions);
      partitions.forEach(done::remove);
      if (inFlight != null) {
        // The new owner reads these again; this batch's result for them must not be committed.
        inFlight.removeAll(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      partitions.forEach(done::remove);
      if (inFlight != null) {
        inFlight.removeAll(partitions);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (inFlight != null) {
        c.pause(partitions);
      }
    }
  }
}
