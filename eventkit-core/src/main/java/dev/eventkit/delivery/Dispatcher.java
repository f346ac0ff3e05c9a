package dev.eventkit.delivery;

import dev.eventkit.Envelope;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one consumer's cursor through the log: reads batches after the cursor, hands the records its target
 * {@linkplain DeliveryTarget#accepts() accepts} to a {@link SinkDelivery} with up to {@code maxInFlight} batches
 * outstanding, and commits the cursor over the longest prefix of batches that are done. A batch is done only when
 * each of its events was delivered or dead-lettered, so the cursor never passes an event that is still owed. Used by
 * {@link AsyncQueue} (one per sink) and by queues that forward the log elsewhere (one publisher).
 *
 * <p>Thread-safety: all state lives on the dispatcher's own single-threaded scheduler (its "lane"), which is also
 * where its sink is called; a slow or blocking sink therefore delays only itself. {@link #wake()},
 * {@link #committed()}, {@link #status()} and {@link #stop()} may be called from any thread. Failure modes: a log
 * that cannot be read is logged and tried again at the next wake-up; nothing is thrown.
 */
public final class Dispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(250);

  private final RingBuffer log;
  private final String cursor;
  private final SinkDelivery delivery;
  private final int maxInFlight;
  private final ScheduledExecutorService lane;
  private final Clock clock;
  private final AtomicBoolean pumpQueued = new AtomicBoolean();
  private final Deque<Flight> inFlight = new ArrayDeque<>();

  private long readPosition;
  private volatile long committed;
  private volatile Instant oldestPending;
  private volatile boolean running;
  private boolean warnedFilter;

  private static final class Flight {
    final long lastSequence;
    final Instant firstReceivedAt;
    final List<Envelope> batch;
    boolean done;

    Flight(long lastSequence, Instant firstReceivedAt, List<Envelope> batch) {
      this.lastSequence = lastSequence;
      this.firstReceivedAt = firstReceivedAt;
      this.batch = batch;
    }
  }

  /**
   * A dispatcher for {@code cursor}, delivering through {@code delivery} on {@code lane} (the scheduler the
   * delivery itself uses). Nothing happens before {@link #start()}.
   */
  public Dispatcher(RingBuffer log, String cursor, SinkDelivery delivery, int maxInFlight,
      ScheduledExecutorService lane, Clock clock) {
    this.log = log;
    this.cursor = cursor;
    this.delivery = delivery;
    this.maxInFlight = maxInFlight;
    this.lane = lane;
    this.clock = clock;
  }

  /** Opens the cursor and starts reading after it. */
  public void start() {
    committed = log.openCursor(cursor);
    readPosition = committed;
    running = true;
    log.onAppend(this::wake);
    // A safety net: appends wake the dispatcher, and a slow poll catches anything a wake-up missed.
    lane.scheduleWithFixedDelay(this::wake, IDLE_POLL.toMillis(), IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
    wake();
  }

  /** Asks for a look at the log now (appends do this by themselves). */
  public void wake() {
    if (running && pumpQueued.compareAndSet(false, true)) {
      try {
        lane.execute(this::pump);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pumpQueued.set(false);
      }
    }
  }

  private void pump() {
    pumpQueued.set(false);
    if (!running) {
      return;
    }
    try {
      commitDonePrefix();
      int batchSize = delivery.target().batchSize();
      while (inFlight.size() < maxInFlight) {
        List<LogRecord> records = log.read(readPosition, batchSize);
        if (records.isEmpty()) {
          break;
        }
        List<Envelope> batch = new ArrayList<>(records.size());
        for (LogRecord r : records) {
          if (accepts(r.envelope())) {
            batch.add(r.envelope());
          }
        }
        // State moves only once the batch is fully prepared, so that a failure above skips nothing.
        readPosition = records.get(records.size() - 1).sequence();
        Flight flight = new Flight(readPosition, records.get(0).envelope().receivedAt(), batch);
        inFlight.addLast(flight);
        if (batch.isEmpty()) {
          flight.done = true;
          continue;
        }
        launch(flight);
      }
      commitDonePrefix();
    } catch (Throwable e) {
      if (running) {
        LOG.warn("dispatcher for cursor {} cannot read the log: {}", cursor, e.getClass().getName());
      }
    }
  }

  /**
   * Whether the target takes this envelope. A filter that throws is a bug in user code; the event is then
   * delivered rather than skipped, since skipping would lose it silently.
   */
  private boolean accepts(Envelope e) {
    try {
      return delivery.target().accepts().test(e);
    } catch (Throwable t) {
      if (!warnedFilter) {
        warnedFilter = true;
        LOG.warn("the filter of sink {} threw {}; events it cannot judge are delivered to the sink (logged once)",
            cursor, t.getClass().getName());
      }
      return true;
    }
  }

  /** Hands the flight's batch to the delivery; marks it done when every event was delivered or dead-lettered. */
  private void launch(Flight flight) {
    delivery.deliver(flight.batch).whenComplete((v, error) -> {
      try {
        lane.execute(() -> {
          if (error == null) {
            flight.done = true;
            wake();
          } else if (running && !(error instanceof java.util.concurrent.CancellationException)) {
            // The delivery promises to finish every batch; should it fail anyway, try again rather than stall.
            LOG.warn("delivery for cursor {} failed with {}; the batch is tried again", cursor,
                error.getClass().getName());
            lane.schedule(() -> launch(flight), delivery.target().retry().maxDelay().toMillis(),
                TimeUnit.MILLISECONDS);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // Closing: the batch stays above the cursor and is delivered again after the next start.
      }
    });
  }

  private void commitDonePrefix() {
    long upTo = committed;
    while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
      upTo = inFlight.removeFirst().lastSequence;
    }
    oldestPending = inFlight.isEmpty() ? null : inFlight.peekFirst().firstReceivedAt;
    if (upTo > committed) {
      committed = upTo;
      log.commit(cursor, upTo).exceptionally(e -> {
        LOG.warn("cursor {} could not be saved; its events may be delivered again: {}", cursor, e.getMessage());
        return null;
      });
    }
  }

  /** The last sequence this consumer has fully consumed. */
  public long committed() {
    return committed;
  }

  /** The target's state, with the lag behind the log's last sequence. */
  public SinkStatus status() {
    long lag = Math.max(0, log.lastSequence() - committed);
    Instant oldest = oldestPending;
    double lagSeconds = lag == 0 || oldest == null ? 0
        : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    return delivery.status(lag, lagSeconds);
  }

  /** Stops reading and abandons pending retries; what was not done stays above the cursor. */
  public void stop() {
    running = false;
    delivery.stop();
  }
}
