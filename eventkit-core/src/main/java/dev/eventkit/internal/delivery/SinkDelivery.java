package dev.eventkit.internal.delivery;

import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers batches to one sink until every event is either delivered or dead-lettered: retries retryable failures
 * with the target's {@link RetryPolicy}, splits a batch the sink rejects as a whole to isolate the poison events,
 * and sends what cannot be delivered to the dead-letter sink with its reason. Used by the log's dispatcher and by
 * distributed workers alike; the caller moves its cursor (or acks its message) only when {@link #deliver}
 * completes.
 *
 * <p>Thread-safety: all sink calls and retries run on the given scheduler; {@link #deliver} may be called from any
 * thread. Failure modes: the returned future fails only with {@link CancellationException} after {@link #stop()};
 * every delivery error is retried or dead-lettered, never surfaced.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class SinkDelivery {

  private static final Logger LOG = LoggerFactory.getLogger(SinkDelivery.class);
  /** How long a sink may fail before its state turns from RETRYING to FAILING. */
  private static final Duration FAILING_AFTER = Duration.ofSeconds(10);

  private final DeliveryTarget target;
  private final ScheduledExecutorService scheduler;
  private final Duration writeTimeout;
  private final Clock clock;
  private final Metrics metrics;

  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private volatile Instant failingSince;
  private volatile String lastError;
  private volatile boolean stopped;
  private volatile boolean warnedNoDeadLetter;

  public SinkDelivery(DeliveryTarget target, ScheduledExecutorService scheduler, Duration writeTimeout,
      Clock clock, Metrics metrics) {
    this.metrics = metrics;
    this.target = target;
    this.scheduler = scheduler;
    this.writeTimeout = writeTimeout;
    this.clock = clock;
  }

  public DeliveryTarget target() {
    return target;
  }

  /** Delivers the batch; completes when each event was delivered or dead-lettered. */
  public CompletableFuture<Void> deliver(List<Envelope> batch) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (batch.isEmpty()) {
      done.complete(null);
      return done;
    }
    scheduler.execute(() -> attempt(batch, 1, clock.instant(), done));
    return done;
  }

  private void attempt(List<Envelope> events, int attemptNo, Instant firstTry, CompletableFuture<Void> done) {
    if (stopped) {
      done.completeExceptionally(new CancellationException("delivery stopped"));
      return;
    }
    CompletableFuture<WriteResult> write;
    try {
      write = target.sink().write(List.copyOf(events));
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    Executor onScheduler = command -> {
      try {
        scheduler.execute(command);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        done.completeExceptionally(new CancellationException("delivery stopped"));
      }
    };
    write.orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handleAsync((result, error) -> {
          if (error != null) {
            result = WriteResult.failed(Failure.retryable(describe(error)));
          } else if (result == null) {
            result = WriteResult.failed(Failure.retryable("sink returned no result"));
          }
          onResult(events, result, attemptNo, firstTry, done);
          return null;
        }, onScheduler);
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return "write timed out";
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private void onResult(List<Envelope> events, WriteResult result, int attemptNo, Instant firstTry,
      CompletableFuture<Void> done) {
    if (result.isSuccess()) {
      countDelivered(events.size());
      failingSince = null;
      done.complete(null);
      return;
    }
    Failure whole = result.batchFailure();
    if (whole != null && !whole.retryable() && events.size() > 1) {
      // The sink refused the batch as a whole: halve it until the events it really refuses stand alone.
      noteFailure(whole.reason());
      int mid = events.size() / 2;
      CompletableFuture<Void> left = new CompletableFuture<>();
      CompletableFuture<Void> right = new CompletableFuture<>();
      attempt(new ArrayList<>(events.subList(0, mid)), 1, clock.instant(), left);
      attempt(new ArrayList<>(events.subList(mid, events.size())), 1, clock.instant(), right);
      CompletableFuture.allOf(left, right).whenComplete((v, e) -> complete(done, e));
      return;
    }
    List<Envelope> retry = new ArrayList<>();
    List<Envelope> permanent = new ArrayList<>();
    String retryReason = null;
    String permanentReason = null;
    Duration hint = null;
    for (int i = 0; i < events.size(); i++) {
      Failure f = result.failureOf(i);
      if (f == null) {
        countDelivered(1);
      } else if (f.retryable()) {
        retry.add(events.get(i));
        retryReason = f.reason();
        if (f.retryAfter() != null && (hint == null || f.retryAfter().compareTo(hint) > 0)) {
          hint = f.retryAfter();
        }
      } else {
        permanent.add(events.get(i));
        permanentReason = f.reason();
      }
    }
    noteFailure(retryReason != null ? retryReason : permanentReason);
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    if (!permanent.isEmpty()) {
      parts.add(deadLetter(permanent, "rejected by sink: " + permanentReason, attemptNo));
    }
    if (!retry.isEmpty()) {
      Duration elapsed = Duration.between(firstTry, clock.instant());
      if (target.retry().allowsAnotherAttempt(attemptNo, elapsed)) {
        CompletableFuture<Void> part = new CompletableFuture<>();
        Duration delay = target.retry().delayAfter(attemptNo, hint);
        retried.addAndGet(retry.size());
        metrics.retried(target.name(), retry.size());
        schedule(() -> attempt(retry, attemptNo + 1, firstTry, part), delay, part);
        parts.add(part);
      } else {
        parts.add(deadLetter(retry, "retry budget exhausted: " + retryReason, attemptNo));
      }
    }
    CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> complete(done, e));
  }

  private void countDelivered(int n) {
    delivered.addAndGet(n);
    metrics.delivered(target.name(), n);
  }

  private static void complete(CompletableFuture<Void> done, Throwable error) {
    if (error == null) {
      done.complete(null);
    } else {
      done.completeExceptionally(error);
    }
  }

  private void schedule(Runnable task, Duration delay, CompletableFuture<Void> part) {
    try {
      scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      part.completeExceptionally(new CancellationException("delivery stopped"));
    }
  }

  private void noteFailure(String reason) {
    if (failingSince == null) {
      failingSince = clock.instant();
    }
    lastError = reason;
  }

  /** Hands events to the dead-letter sink, retrying it for as long as it takes; holds them if there is none. */
  private CompletableFuture<Void> deadLetter(List<Envelope> events, String reason, int attempts) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (target.deadLetter() == null) {
      if (!warnedNoDeadLetter) {
        warnedNoDeadLetter = true;
        LOG.warn("sink {} cannot deliver some events and no dead-letter sink is configured; they are kept and "
            + "retried, holding the sink's cursor", target.name());
      }
      schedule(() -> attempt(events, attempts + 1, clock.instant(), done), target.retry().maxDelay(), done);
      return done;
    }
    List<Envelope> letters = new ArrayList<>(events.size());
    String now = clock.instant().toString();
    for (Envelope e : events) {
      letters.add(e.toBuilder()
          .attribute("deadLetter.sink", target.name())
          .attribute("deadLetter.reason", reason)
          .attribute("deadLetter.attempts", Integer.toString(attempts))
          .attribute("deadLetter.at", now)
          .build());
    }
    writeDeadLetters(letters, 1, done);
    return done;
  }

  private void writeDeadLetters(List<Envelope> letters, int attemptNo, CompletableFuture<Void> done) {
    if (stopped) {
      done.completeExceptionally(new CancellationException("delivery stopped"));
      return;
    }
    CompletableFuture<WriteResult> write;
    try {
      write = target.deadLetter().write(letters);
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    write.orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
      if (e == null && r != null && r.isSuccess()) {
        deadLettered.addAndGet(letters.size());
        metrics.deadLettered(target.name(), letters.size());
        LOG.warn("sink {}: {} event(s) sent to the dead-letter sink", target.name(), letters.size());
        done.complete(null);
      } else {
        Duration delay = target.retry().delayAfter(attemptNo, null);
        schedule(() -> writeDeadLetters(letters, attemptNo + 1, done), delay, done);
      }
    });
  }

  /** Abandons pending retries; their events stay undelivered (and so stay in the log). */
  public void stop() {
    stopped = true;
  }

  /** Current state and counters; lag is filled in by the caller, which knows the cursor. */
  public SinkStatus status(long lagEvents, double lagSeconds) {
    Instant since = failingSince;
    SinkState state;
    if (stopped) {
      state = SinkState.STOPPED;
    } else if (since == null) {
      state = SinkState.OK;
    } else if (Duration.between(since, clock.instant()).compareTo(FAILING_AFTER) > 0) {
      state = SinkState.FAILING;
    } else {
      state = SinkState.RETRYING;
    }
    return new SinkStatus(target.name(), state, since, lagEvents, lagSeconds, delivered.get(), retried.get(),
        deadLettered.get(), lastError);
  }
}
