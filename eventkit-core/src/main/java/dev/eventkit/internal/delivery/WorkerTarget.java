package dev.eventkit.internal.delivery;

import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One of a distributed-queue worker's sinks (Pub/Sub, Kafka), shared by its consumer loops: filters received envelopes by the target's
 * {@code accepts}, hands them to the target's {@link SinkDelivery} in batches of the target's size, and keeps
 * count of what is pulled but not yet delivered, which is this process's lag for the sink.
 *
 * <p>Thread-safe.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class WorkerTarget {

  private final SinkDelivery delivery;
  private final Clock clock;
  private final AtomicLong pendingEvents = new AtomicLong();
  private final Map<Object, Instant> pendingBatches = new ConcurrentHashMap<>();

  public WorkerTarget(SinkDelivery delivery, Clock clock) {
    this.delivery = delivery;
    this.clock = clock;
  }

  /** Delivers the envelopes this sink accepts; completes when each was delivered or dead-lettered. */
  public CompletableFuture<Void> deliver(List<Envelope> pulled) {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    List<Envelope> chunk = new ArrayList<>();
    int batchSize = delivery.target().batchSize();
    for (Envelope e : pulled) {
      if (delivery.target().accepts().test(e)) {
        chunk.add(e);
        if (chunk.size() == batchSize) {
          parts.add(deliverChunk(chunk));
          chunk = new ArrayList<>();
        }
      }
    }
    if (!chunk.isEmpty()) {
      parts.add(deliverChunk(chunk));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> deliverChunk(List<Envelope> chunk) {
    Object token = new Object();
    Instant oldest = chunk.get(0).receivedAt();
    for (Envelope e : chunk) {
      if (e.receivedAt().isBefore(oldest)) {
        oldest = e.receivedAt();
      }
    }
    pendingBatches.put(token, oldest);
    pendingEvents.addAndGet(chunk.size());
    return delivery.deliver(chunk).whenComplete((v, error) -> {
      pendingBatches.remove(token);
      pendingEvents.addAndGet(-chunk.size());
    });
  }

  public SinkStatus status() {
    long lag = pendingEvents.get();
    Instant oldest = null;
    for (Instant i : pendingBatches.values()) {
      if (oldest == null || i.isBefore(oldest)) {
        oldest = i;
      }
    }
    double lagSeconds = lag == 0 || oldest == null ? 0
        : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    return delivery.status(lag, lagSeconds);
  }

  public void stop() {
    delivery.stop();
  }
}
