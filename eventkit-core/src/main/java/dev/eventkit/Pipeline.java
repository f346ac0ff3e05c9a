package dev.eventkit;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.Queue;
import dev.eventkit.http.Input;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.schema.Validator;
import dev.eventkit.sink.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event pipeline: validates envelopes, appends them to the write-ahead log, and delivers them from the log to
 * every sink, each through its own durable cursor. {@link #collect} completes only once the events are committed
 * to the log — that is the moment a collector may answer 2xx.
 *
 * <p>Lifecycle: {@link PipelineBuilder#build()}, {@link #start()}, any number of {@link #collect} calls from any
 * thread, then {@link #close()}, which stops intake, lets deliveries drain within the shutdown timeout and leaves
 * the rest in the log for the next start.
 *
 * <p>Thread-safe. Failure modes: {@code collect} completes exceptionally with {@link IllegalStateException} when
 * the pipeline is not accepting (not started, or closing), with {@code BufferFullException} when the log is at
 * capacity, and with the log's own error when the commit failed; in each case nothing was accepted.
 */
public final class Pipeline implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final RingBuffer log;
  private final Queue queue;
  private final List<DeliveryTarget> targets;
  private final List<Sink> ownedSinks;
  private final List<Input> inputs;
  private final Validator validator;
  private final CollectorInfo collectorInfo;
  private final Duration shutdownTimeout;
  private final Metrics metrics;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private volatile boolean accepting;
  private volatile boolean closed;

  Pipeline(RingBuffer log, Queue queue, List<DeliveryTarget> targets, List<Sink> ownedSinks, List<Input> inputs,
      Validator validator, CollectorInfo collectorInfo, Duration shutdownTimeout, Metrics metrics) {
    this.metrics = metrics;
    this.log = log;
    this.queue = queue;
    this.targets = List.copyOf(targets);
    this.ownedSinks = List.copyOf(ownedSinks);
    this.inputs = List.copyOf(inputs);
    this.validator = validator;
    this.collectorInfo = collectorInfo;
    this.shutdownTimeout = shutdownTimeout;
  }

  public static PipelineBuilder builder() {
    return new PipelineBuilder();
  }

  /** Starts delivery (resuming each sink at its cursor) and intake. Idempotent. */
  public synchronized Pipeline start() {
    if (closed) {
      throw new IllegalStateException("the pipeline is closed");
    }
    if (!accepting) {
      queue.start(log, targets, metrics);
      accepting = true;
      LOG.info("pipeline started with {} sink(s); log holds {} undelivered event(s)", targets.size(),
          log.stats().unconsumedEvents());
    }
    return this;
  }

  /** Validates and appends one envelope; completes once it is durable. */
  public CompletableFuture<Void> collect(Envelope envelope) {
    return collect(List.of(envelope));
  }

  /** Validates and appends a batch; completes once all of it is durable (all or nothing). */
  public CompletableFuture<Void> collect(List<Envelope> batch) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new IllegalStateException("the pipeline is not accepting events"));
    }
    List<Envelope> checked = validator == null ? batch : validateAll(batch);
    return log.append(checked).thenApply(seq -> {
      accepted.addAndGet(checked.size());
      for (Envelope e : checked) {
        metrics.accepted(e.stream(), 1);
        if (e.validation().isInvalid()) {
          invalid.incrementAndGet();
          metrics.invalid(e.validation().error().wireName(), 1);
        }
      }
      return null;
    });
  }

  private List<Envelope> validateAll(List<Envelope> batch) {
    List<Envelope> out = new ArrayList<>(batch.size());
    for (Envelope e : batch) {
      if (e.validation().status() != Validation.Status.NOT_VALIDATED) {
        out.add(e);
        continue;
      }
      Validation v;
      try {
        v = validator.validate(e);
      } catch (RuntimeException ex) {
        LOG.warn("validator failed on an event of schema {}: {}", e.schema(), ex.toString());
        v = Validation.invalid(ValidationError.SCHEMA_INVALID, "the validator failed on this event", List.of());
      }
      out.add(e.toBuilder().validation(v).build());
    }
    return out;
  }

  /**
   * Waits until every sink has consumed everything appended before this call, then flushes the sinks.
   *
   * @return true when that happened within {@code timeout}
   */
  public boolean flush(Duration timeout) throws InterruptedException {
    boolean drained = queue.drain(log.lastSequence(), timeout);
    for (DeliveryTarget t : targets) {
      t.sink().flush();
    }
    return drained;
  }

  /** Whether {@link #collect} accepts events now. */
  public boolean isAccepting() {
    return accepting;
  }

  /** The inputs (protocols) a collector over this pipeline serves. */
  public List<Input> inputs() {
    return inputs;
  }

  /** Where the pipeline reports its counters. */
  public Metrics metrics() {
    return metrics;
  }

  /** The collector identity recorded in envelopes. */
  public CollectorInfo collectorInfo() {
    return collectorInfo;
  }

  public PipelineStatus status() {
    return new PipelineStatus(accepting, log.stats(), queue.status(), accepted.get(), invalid.get());
  }

  /**
   * Stops intake, waits up to the shutdown timeout for in-flight deliveries, then stops delivery and closes the
   * sinks and the log. Undelivered events stay in the log and are delivered after the next start.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    accepting = false;
    try {
      if (!queue.drain(log.lastSequence(), shutdownTimeout)) {
        LOG.info("shutdown timeout reached; undelivered events stay in the log for the next start");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.close();
    for (Sink s : ownedSinks) {
      try {
        s.flush().join();
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("closing sink {} failed: {}", s.name(), e.toString());
      }
    }
    log.close();
  }
}
