package dev.eventkit;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.AsyncQueue;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.Queue;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.schema.Validator;
import dev.eventkit.sink.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Wires a {@link Pipeline}. Not thread-safe; {@link #build()} validates the whole configuration and throws
 * {@link IllegalStateException} naming what is wrong.
 *
 * <p>Required: a {@link #ringBuffer log} and at least one {@link #sink sink} — none (and no invalid or
 * dead-letter sink) when the {@link #queue queue} forwards the log elsewhere ({@link Queue#deliversToSinks()}
 * false). Defaults: {@link AsyncQueue} with 4 workers, {@link RetryPolicy#exponential()} for every sink, no
 * interceptor, no validator (events are marked not validated), batches of 500, a 10 s shutdown timeout,
 * {@link CountingMetrics}. Without an {@link #invalidSink invalid sink}, invalid events go
 * to the regular sinks, marked invalid — never dropped.
 */
public final class PipelineBuilder {

  private RingBuffer log;
  private Queue queue;
  private final Map<Sink, RetryPolicy> sinks = new LinkedHashMap<>();
  private Sink invalidSink;
  private Sink deadLetterSink;
  private RetryPolicy retry = RetryPolicy.exponential();
  private final List<EventInterceptor> interceptors = new ArrayList<>();
  private Validator validator;
  private CollectorInfo collectorInfo = CollectorInfo.DEFAULT;
  private int batchSize = 500;
  private long batchBytes = DeliveryTarget.DEFAULT_BATCH_BYTES;
  private Duration shutdownTimeout = Duration.ofSeconds(10);
  private Metrics metrics;

  PipelineBuilder() {}

  /** Where counters go; a {@link CountingMetrics} (shown by {@code GET /health}) by default. */
  public PipelineBuilder metrics(Metrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  /** The write-ahead log, such as {@code SqliteRingBuffer.at(path)}. The pipeline closes it. */
  public PipelineBuilder ringBuffer(RingBuffer log) {
    this.log = Objects.requireNonNull(log, "ringBuffer");
    return this;
  }

  /** How events travel from the log to the sinks; {@link AsyncQueue} by default. */
  public PipelineBuilder queue(Queue queue) {
    this.queue = Objects.requireNonNull(queue, "queue");
    return this;
  }

  /** Adds a sink for valid events, retried with the pipeline's retry policy. The pipeline closes it. */
  public PipelineBuilder sink(Sink sink) {
    sinks.put(Objects.requireNonNull(sink, "sink"), null);
    return this;
  }

  /** Adds a sink for valid events with its own retry policy. */
  public PipelineBuilder sink(Sink sink, RetryPolicy retry) {
    sinks.put(Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(retry, "retry"));
    return this;
  }

  /** Where events that failed validation go, through their own cursor. */
  public PipelineBuilder invalidSink(Sink sink) {
    this.invalidSink = Objects.requireNonNull(sink, "invalidSink");
    return this;
  }

  /** Where events go that a sink rejects for good or that exhaust their retry budget. */
  public PipelineBuilder deadLetterSink(Sink sink) {
    this.deadLetterSink = Objects.requireNonNull(sink, "deadLetterSink");
    return this;
  }

  /** The retry policy of sinks added without one. */
  public PipelineBuilder retry(RetryPolicy retry) {
    this.retry = Objects.requireNonNull(retry, "retry");
    return this;
  }

  /** Adds an interceptor; interceptors run in the order added, before validation. See {@link EventInterceptor}. */
  public PipelineBuilder interceptor(EventInterceptor interceptor) {
    interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
    return this;
  }

  /** Checks each event before it is appended; see {@link Validator}. */
  public PipelineBuilder validator(Validator validator) {
    this.validator = Objects.requireNonNull(validator, "validator");
    return this;
  }

  public PipelineBuilder collectorInfo(CollectorInfo info) {
    this.collectorInfo = Objects.requireNonNull(info, "collectorInfo");
    return this;
  }

  /** The most events handed to one sink write. */
  public PipelineBuilder batchSize(int batchSize) {
    this.batchSize = batchSize;
    return this;
  }

  /**
   * The most data, in estimated bytes, handed to one sink write (4 MiB by default); an event larger than this
   * travels alone.
   */
  public PipelineBuilder batchBytes(long bytes) {
    this.batchBytes = bytes;
    return this;
  }

  /**
   * How long {@link Pipeline#shutdown()} waits for deliveries before leaving the rest in the log, and for the sinks
   * to shut down; also the bound of {@link Pipeline#forceFlush()}.
   */
  public PipelineBuilder shutdownTimeout(Duration timeout) {
    this.shutdownTimeout = Objects.requireNonNull(timeout, "shutdownTimeout");
    return this;
  }

  public Pipeline build() {
    if (log == null) {
      throw new IllegalStateException("a ring buffer is required: SqliteRingBuffer.at(path), or "
          + "new InMemoryRingBuffer() where losing events on exit is acceptable");
    }
    boolean delivers = queue == null || queue.deliversToSinks();
    if (delivers && sinks.isEmpty()) {
      throw new IllegalStateException("at least one sink is required");
    }
    if (!delivers && (!sinks.isEmpty() || invalidSink != null || deadLetterSink != null)) {
      throw new IllegalStateException("the queue delivers elsewhere (it only forwards the log), so sinks given "
          + "here would never receive events; configure them where the queue's events are consumed");
    }
    if (batchSize < 1 || batchSize > 100_000) {
      throw new IllegalStateException("batchSize must be between 1 and 100000");
    }
    if (batchBytes < 1) {
      throw new IllegalStateException("batchBytes must be >= 1");
    }
    if (shutdownTimeout.isNegative()) {
      throw new IllegalStateException("shutdownTimeout must be >= 0");
    }
    Set<String> names = new HashSet<>();
    List<Sink> owned = new ArrayList<>();
    List<DeliveryTarget> targets = new ArrayList<>();
    Predicate<Envelope> regular = invalidSink == null ? e -> true : e -> !e.validation().isInvalid();
    for (Map.Entry<Sink, RetryPolicy> s : sinks.entrySet()) {
      requireUniqueName(names, s.getKey());
      owned.add(s.getKey());
      RetryPolicy policy = s.getValue() != null ? s.getValue() : retry;
      targets.add(new DeliveryTarget(s.getKey(), regular, policy, deadLetterSink, batchSize, batchBytes));
    }
    if (invalidSink != null) {
      requireUniqueName(names, invalidSink);
      owned.add(invalidSink);
      targets.add(new DeliveryTarget(invalidSink, e -> e.validation().isInvalid(), retry, deadLetterSink,
          batchSize, batchBytes));
    }
    if (deadLetterSink != null) {
      requireUniqueName(names, deadLetterSink);
      owned.add(deadLetterSink);
    }
    Queue q = queue != null ? queue : AsyncQueue.create();
    return new Pipeline(log, q, targets, owned, interceptors, validator, collectorInfo, shutdownTimeout,
        metrics != null ? metrics : new CountingMetrics());
  }

  private static void requireUniqueName(Set<String> names, Sink sink) {
    if (!names.add(sink.name())) {
      throw new IllegalStateException("two sinks are named '" + sink.name()
          + "'; sink names name their cursors and must be unique");
    }
  }
}
