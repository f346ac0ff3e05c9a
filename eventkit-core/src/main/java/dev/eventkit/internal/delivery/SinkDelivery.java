package dev.eventkit.internal.delivery;

import dev.eventkit.buffer.LogRecord;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.metrics.GuardedMetrics;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers batches to one sink until every event is either delivered or dead-lettered: retries retryable failures
 * with the target's {@link RetryPolicy}, splits a batch the sink rejects as a whole to isolate the poison events,
 * and sends what cannot be delivered to the dead-letter sink with its reason. Used by the log's dispatcher and by
 * distributed workers alike; the caller moves its cursor (or acks its message) only when {@link #deliver}
 * completes.
 *
 * <p>Undecodable log records ({@link LogRecord#isUndecodable()}) never reach the sink: {@link #deliverUndecodable}
 * sends them to the dead-letter sink as raw bytes (see {@link #UNDECODABLE_PROTOCOL}); without one they are held,
 * counted in {@link SinkStatus#heldEvents()}, and keep the state RETRYING/FAILING until the process stops.
 *
 * <p>Thread-safety: all sink calls and retries run on the given scheduler; {@link #deliver} may be called from any
 * thread. Failure modes: the returned future fails only with {@link CancellationException} after {@link #stop()};
 * every delivery error is retried or dead-lettered, never surfaced. Every call into user-supplied code (the sink,
 * the dead-letter sink, the metrics) is guarded: whatever it throws ({@link Error}s included), a {@code null} it
 * returns, or a future it never completes (bounded by the write timeout) counts as a retryable failure, shows in
 * {@link #status} (state and {@code lastError}, the exception's class name: never its message, which may quote
 * payload data) and in the {@code retried} metric, and is tried again; it never leaves a batch unfinished.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class SinkDelivery {

  private static final Logger LOG = LoggerFactory.getLogger(SinkDelivery.class);

  /**
   * The protocol of the envelope that carries an undecodable log record to the dead-letter sink. Its payload is a
   * JSON string: the record's raw bytes in base64. Its id is derived from those bytes (a name-based UUID), so that
   * replays de-duplicate; its attributes are {@code deadLetter.reason=undecodable}, {@code deadLetter.detail} (the
   * log's reason), {@code deadLetter.sequence} (the record's sequence in the log), {@code deadLetter.sink},
   * {@code deadLetter.attempts=0} and {@code deadLetter.at}.
   */
  public static final String UNDECODABLE_PROTOCOL = "eventkit/undecodable";
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
  private volatile boolean warnedUndecodable;
  /** Events waiting without a dead-letter sink (see {@link SinkStatus#heldEvents()}); changed on the scheduler. */
  private final AtomicLong held = new AtomicLong();
  private volatile Instant heldSince;

  public SinkDelivery(DeliveryTarget target, ScheduledExecutorService scheduler, Duration writeTimeout,
      Clock clock, Metrics metrics) {
    this.metrics = GuardedMetrics.of(metrics);
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
    List<Envelope> events = List.copyOf(batch);
    Instant firstTry = clock.instant();
    execute(() -> attempt(events, 1, firstTry, done), done);
    return done;
  }

  /** Runs {@code task} on the scheduler, or cancels {@code done} when the scheduler is shut down. */
  private void execute(Runnable task, CompletableFuture<Void> done) {
    try {
      scheduler.execute(task);
    } catch (RejectedExecutionException e) {
      cancel(done);
    }
  }

  private static void cancel(CompletableFuture<?> done) {
    done.completeExceptionally(new CancellationException("delivery stopped"));
  }

  /**
   * Calls {@code sink.write} and returns a future of our own, completed with the sink's outcome: never null, never
   * throwing, and failing with a timeout when the sink's future does not complete within the write timeout. The
   * sink's own future is only observed (a minimal completion stage works too), never completed or cancelled here.
   */
  private CompletableFuture<WriteResult> call(Sink sink, List<Envelope> events) {
    CompletableFuture<WriteResult> outcome = new CompletableFuture<>();
    try {
      CompletableFuture<WriteResult> theirs = sink.write(events);
      if (theirs == null) {
        outcome.completeExceptionally(new NoFutureException());
      } else {
        theirs.whenComplete((result, error) -> {
          if (error != null) {
            outcome.completeExceptionally(error);
          } else {
            outcome.complete(result);
          }
        });
      }
    } catch (Throwable t) {
      outcome.completeExceptionally(t);
    }
    return outcome.orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** What a sink's {@code null} future stands for; only its class name is ever shown. */
  private static final class NoFutureException extends RuntimeException {
    NoFutureException() {
      super("the sink returned null instead of a future", null, false, false);
    }
  }

  /** Hands the outcome of {@code future} to {@code handler} on the scheduler, or cancels {@code done}. */
  private void onScheduler(CompletableFuture<WriteResult> future, CompletableFuture<Void> done,
      BiConsumer<WriteResult, Throwable> handler) {
    future.whenComplete((result, error) -> execute(() -> handler.accept(result, error), done));
  }

  private void attempt(List<Envelope> events, int attemptNo, Instant firstTry, CompletableFuture<Void> done) {
    if (stopped) {
      cancel(done);
      return;
    }
    onScheduler(call(target.sink(), List.copyOf(events)), done, (result, error) -> {
      try {
        WriteResult outcome;
        if (error != null) {
          outcome = WriteResult.failed(Failure.retryable(describe(error)));
        } else if (result == null) {
          outcome = WriteResult.failed(Failure.retryable("sink returned no result"));
        } else {
          outcome = result;
        }
        onResult(events, outcome, attemptNo, firstTry, done);
      } catch (Throwable t) {
        // A fault on this path must not leave the batch unfinished: try the whole batch again (at least once).
        LOG.warn("sink {}: handling a write outcome failed with {}; the batch is tried again", target.name(),
            t.getClass().getName());
        noteFailure(t.getClass().getName());
        retried.addAndGet(events.size());
        metrics.retried(target.name(), events.size());
        schedule(() -> attempt(events, attemptNo + 1, firstTry, done),
            target.retry().delayAfter(attemptNo, null), done);
      }
    });
  }

  /** A failure's description for status and dead letters: the exception's class, never its message. */
  static String describe(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof java.util.concurrent.CompletionException
        || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return "write timed out";
    }
    if (cause instanceof NoFutureException) {
      return "sink returned null";
    }
    return cause.getClass().getName();
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
    } catch (RejectedExecutionException e) {
      cancel(part);
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
      hold(events.size());
      schedule(() -> {
        release(events.size());
        attempt(events, attempts + 1, clock.instant(), done);
      }, target.retry().maxDelay(), done);
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

  private void hold(int count) {
    if (held.getAndAdd(count) == 0) {
      heldSince = clock.instant();
    }
  }

  private void release(int count) {
    if (held.addAndGet(-count) == 0) {
      heldSince = null;
    }
  }

  /**
   * Disposes of records the log could not decode: each goes to the dead-letter sink as raw bytes (retried until it
   * accepts), or, without one, is held until the delivery stops. Completes when all were dead-lettered.
   */
  public CompletableFuture<Void> deliverUndecodable(List<LogRecord> records) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (records.isEmpty()) {
      done.complete(null);
      return done;
    }
    execute(() -> {
      LOG.warn("sink {}: {} record(s) of the log cannot be decoded (first at sequence {})", target.name(),
          records.size(), records.get(0).sequence());
      if (target.deadLetter() == null) {
        if (!warnedUndecodable) {
          warnedUndecodable = true;
          LOG.warn("sink {}: no dead-letter sink is configured, so undecodable records are held with the sink's "
              + "cursor; configure one to move past them", target.name());
        }
        hold(records.size());
        holdUndecodable(done);
        return;
      }
      String now = clock.instant().toString();
      List<Envelope> letters = new ArrayList<>(records.size());
      for (LogRecord r : records) {
        letters.add(undecodableLetter(r, target.name(), now));
      }
      writeDeadLetters(letters, 1, done);
    }, done);
    return done;
  }

  /** Keeps an undecodable record's batch open (and the status failing) until the delivery stops. */
  private void holdUndecodable(CompletableFuture<Void> done) {
    if (stopped) {
      cancel(done);
      return;
    }
    noteFailure("undecodable record");
    schedule(() -> holdUndecodable(done), target.retry().maxDelay(), done);
  }

  /** The dead letter of an undecodable record; see {@link #UNDECODABLE_PROTOCOL}. */
  static Envelope undecodableLetter(LogRecord r, String sink, String at) {
    return Envelope.builder()
        .id(java.util.UUID.nameUUIDFromBytes(r.raw()).toString())
        .protocol(UNDECODABLE_PROTOCOL)
        .payloadJson("\"" + java.util.Base64.getEncoder().encodeToString(r.raw()) + "\"")
        .attribute("deadLetter.sink", sink)
        .attribute("deadLetter.reason", "undecodable")
        .attribute("deadLetter.detail", r.undecodableReason())
        .attribute("deadLetter.sequence", Long.toString(r.sequence()))
        .attribute("deadLetter.attempts", "0")
        .attribute("deadLetter.at", at)
        .build();
  }

  private void writeDeadLetters(List<Envelope> letters, int attemptNo, CompletableFuture<Void> done) {
    if (stopped) {
      cancel(done);
      return;
    }
    onScheduler(call(target.deadLetter(), List.copyOf(letters)), done, (r, e) -> {
      boolean written = e == null && r != null && r.isSuccess();
      if (written) {
        deadLettered.addAndGet(letters.size());
        metrics.deadLettered(target.name(), letters.size());
        LOG.warn("sink {}: {} event(s) sent to the dead-letter sink", target.name(), letters.size());
        done.complete(null);
        return;
      }
      String why = e != null ? describe(e) : r == null ? "no result" : firstReason(r, letters.size());
      noteFailure("dead-letter sink: " + why);
      Duration delay = target.retry().delayAfter(attemptNo, null);
      schedule(() -> writeDeadLetters(letters, attemptNo + 1, done), delay, done);
    });
  }

  private static String firstReason(WriteResult r, int size) {
    for (int i = 0; i < size; i++) {
      Failure f = r.failureOf(i);
      if (f != null) {
        return f.reason();
      }
    }
    return "failed";
  }

  /** Abandons pending retries; their events stay undelivered (and so stay in the log). */
  public void stop() {
    stopped = true;
  }

  /** Current state and counters; lag is filled in by the caller, which knows the cursor. */
  public SinkStatus status(long lagEvents, double lagSeconds) {
    return status(lagEvents, lagSeconds, 0);
  }

  /** Current state and counters, with the events the caller's cursor skipped over a gap in the log. */
  public SinkStatus status(long lagEvents, double lagSeconds, long skippedEvents) {
    Instant since = failingSince;
    if (since == null) {
      since = heldSince; // a success elsewhere does not make held events less stuck
    }
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
        deadLettered.get(), lastError, skippedEvents, held.get());
  }
}
