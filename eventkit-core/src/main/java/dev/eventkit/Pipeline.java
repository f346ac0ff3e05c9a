package dev.eventkit;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.Queue;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.internal.metrics.GuardedMetrics;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.schema.Validator;
import dev.eventkit.sink.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event pipeline: passes envelopes through the {@link EventInterceptor interceptors} and the validator, appends
 * them to the write-ahead log, and delivers them from the log to every sink, each through its own durable cursor.
 * {@link #collect} completes only once the events are committed to the log — that is the moment a collector may
 * answer 2xx. The pipeline knows nothing of HTTP or tracking protocols; collectors and inputs sit on top of it.
 *
 * <p>Lifecycle, as in OpenTelemetry's SDK: {@link PipelineBuilder#build()}, {@link #start()}, any number of
 * {@link #collect} calls from any thread, {@link #forceFlush()} when a caller needs everything delivered, then
 * {@link #shutdown()} (or {@link #close()}, which waits for it). Shutdown stops intake, lets deliveries drain within
 * the shutdown timeout and leaves the rest in the log for the next start.
 *
 * <p>Thread-safe. Failure modes: {@code collect} completes exceptionally with {@link IllegalStateException} when
 * the pipeline is not accepting (not started, or shutting down), with {@code BufferFullException} when the log is
 * at capacity, and with the log's own error when the commit failed; in each case nothing was stored. Once
 * {@code collect} has completed normally the events are stored, whatever a metrics binding or a later step does.
 * {@link #forceFlush()} and {@link #shutdown()} complete exceptionally with {@link TimeoutException} when the
 * shutdown timeout passes first; they never block the caller.
 */
public final class Pipeline implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final RingBuffer log;
  private final Queue queue;
  private final List<DeliveryTarget> targets;
  private final List<Sink> ownedSinks;
  private final List<EventInterceptor> interceptors;
  private final Validator validator;
  private final CollectorInfo collectorInfo;
  private final Duration shutdownTimeout;
  private final GuardedMetrics metrics;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private volatile boolean accepting;
  private CompletableFuture<Void> shutdown;

  Pipeline(RingBuffer log, Queue queue, List<DeliveryTarget> targets, List<Sink> ownedSinks,
      List<EventInterceptor> interceptors, Validator validator, CollectorInfo collectorInfo, Duration shutdownTimeout,
      Metrics metrics) {
    this.metrics = GuardedMetrics.of(metrics);
    this.log = log;
    this.queue = queue;
    this.targets = List.copyOf(targets);
    this.ownedSinks = List.copyOf(ownedSinks);
    this.interceptors = List.copyOf(interceptors);
    this.validator = validator;
    this.collectorInfo = collectorInfo;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** A new builder; see {@link PipelineBuilder} for what is required and the defaults. */
  public static PipelineBuilder builder() {
    return new PipelineBuilder();
  }

  /** Starts delivery (resuming each sink at its cursor) and intake. Idempotent; fails once shut down. */
  public synchronized Pipeline start() {
    if (shutdown != null) {
      throw new IllegalStateException("the pipeline is shut down");
    }
    if (!accepting) {
      queue.start(log, targets, metrics);
      accepting = true;
      LOG.info("pipeline started with {} sink(s); log holds {} undelivered event(s)", targets.size(),
          log.stats().unconsumedEvents());
    }
    return this;
  }

  /** Intercepts, validates and appends one envelope; completes once it is durable. */
  public CompletableFuture<Void> collect(Envelope envelope) {
    return collect(List.of(envelope));
  }

  /** Intercepts, validates and appends a batch; completes once all of it is durable (all or nothing). */
  public CompletableFuture<Void> collect(List<Envelope> batch) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new IllegalStateException("the pipeline is not accepting events"));
    }
    List<Envelope> checked = validate(intercept(batch));
    if (checked.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return log.append(checked).thenApply(seq -> {
      // Stored: nothing below may turn this into a failure (the metrics binding is guarded).
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

  /**
   * What {@link #collect} would append for {@code batch} — each envelope through the interceptors and the
   * validator — without appending anything and without counting anything in the metrics. Events an interceptor
   * drops are missing from the result. For debugging tools (a collector's echo routes); interceptors run as they
   * would for {@code collect}, so one with side effects of its own has them here too. Works whether or not the
   * pipeline is accepting. Thread-safe; never throws for a failing interceptor or validator (handled as in
   * {@code collect}).
   */
  public List<Envelope> preview(List<Envelope> batch) {
    return validate(intercept(batch, false));
  }

  private List<Envelope> intercept(List<Envelope> batch) {
    return intercept(batch, true);
  }

  private List<Envelope> intercept(List<Envelope> batch, boolean count) {
    if (interceptors.isEmpty()) {
      return batch;
    }
    List<Envelope> out = new ArrayList<>(batch.size());
    for (Envelope e : batch) {
      Envelope current = e;
      for (EventInterceptor interceptor : interceptors) {
        Envelope next;
        try {
          next = interceptor.intercept(current);
        } catch (Throwable t) {
          LOG.warn("interceptor {} threw {}; the event goes on unchanged", interceptor.getClass().getName(),
              t.getClass().getName());
          if (count) {
            metrics.interceptorFailed(1);
          }
          continue;
        }
        if (next == null) {
          if (count) {
            metrics.dropped(current.stream(), 1);
          }
          current = null;
          break;
        }
        current = next;
      }
      if (current != null) {
        out.add(current);
      }
    }
    return out;
  }

  private List<Envelope> validate(List<Envelope> batch) {
    if (validator == null) {
      return batch;
    }
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
        LOG.warn("validator failed on an event: {}", ex.getClass().getName());
        v = Validation.invalid(ValidationError.SCHEMA_INVALID, "the validator failed on this event", List.of());
      }
      out.add(e.withValidation(v));
    }
    return out;
  }

  /**
   * Delivers everything appended before this call to every sink, then flushes every sink (the invalid and
   * dead-letter sinks included). Completes exceptionally with {@link TimeoutException} when that takes longer than
   * the shutdown timeout, or with the first sink's flush failure.
   */
  public CompletableFuture<Void> forceFlush() {
    return queue.drain(log.lastSequence())
        .thenCompose(v -> flushSinks())
        .orTimeout(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<Void> flushSinks() {
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    for (Sink s : ownedSinks) {
      flushes.add(guarded(s, "flush"));
    }
    return CompletableFuture.allOf(flushes.toArray(CompletableFuture[]::new));
  }

  private static CompletableFuture<Void> guarded(Sink sink, String what) {
    try {
      CompletableFuture<Void> f = what.equals("flush") ? sink.flush() : sink.shutdown();
      return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException(sink.name() + " returned null"));
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  /** Whether {@link #collect} accepts events now. */
  public boolean isAccepting() {
    return accepting;
  }

  /** Where the pipeline reports its counters (guarded: calls never throw). */
  public Metrics metrics() {
    return metrics;
  }

  /** The collector identity recorded in envelopes. */
  public CollectorInfo collectorInfo() {
    return collectorInfo;
  }

  /** The pipeline's state now: intake, the log's fill level, each sink's delivery. */
  public PipelineStatus status() {
    return new PipelineStatus(accepting, log.stats(), queue.status(), accepted.get(), invalid.get());
  }

  /**
   * Stops intake, waits up to the shutdown timeout for deliveries of what was appended, then stops delivery, shuts
   * the sinks down (each bounded by the shutdown timeout) and closes the log. Undelivered events stay in the log
   * and are delivered after the next start. Idempotent: later calls return the same future. The future completes
   * normally once everything is closed, even when the drain timed out (that is logged, not an error).
   */
  public synchronized CompletableFuture<Void> shutdown() {
    if (shutdown != null) {
      return shutdown;
    }
    accepting = false;
    long timeoutMillis = shutdownTimeout.toMillis();
    CompletableFuture<Void> drained = queue.drain(log.lastSequence())
        .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .handle((v, error) -> {
          if (error != null) {
            LOG.info("shutdown timeout reached; undelivered events stay in the log for the next start");
          }
          return null;
        });
    shutdown = drained.thenCompose(v -> {
      closeQuietly("the queue", queue::close);
      List<CompletableFuture<Void>> sinks = new ArrayList<>();
      for (Sink s : ownedSinks) {
        sinks.add(guarded(s, "shutdown").orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
            .exceptionally(e -> {
              LOG.warn("shutting sink {} down failed: {}", s.name(), rootClass(e));
              return null;
            }));
      }
      return CompletableFuture.allOf(sinks.toArray(CompletableFuture[]::new));
    }).thenRun(() -> closeQuietly("the log", log::close));
    return shutdown;
  }

  /**
   * {@link #shutdown()} and waits for it: at most the shutdown timeout for the drain plus the shutdown timeout for
   * the sinks, plus a little for the log.
   */
  @Override
  public void close() {
    CompletableFuture<Void> f = shutdown();
    try {
      f.get(shutdownTimeout.toMillis() * 2 + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("pipeline shutdown did not complete: {}", rootClass(e));
    }
  }

  private static void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("closing {} failed: {}", what, e.getClass().getName());
    }
  }

  private static String rootClass(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t != t.getCause()) {
      t = t.getCause();
    }
    return t.getClass().getName();
  }
}
