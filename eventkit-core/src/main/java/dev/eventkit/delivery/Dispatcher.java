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
 * Moves one sink's cursor through the log: reads batches after the cursor, hands them to a {@link SinkDelivery}
 * with up to {@code maxInFlight} batches outstanding, and commits the cursor over the longest prefix of batches
 * that are done. A batch is done only when each of its events was delivered or dead-lettered, so the cursor never
 * passes an event that is still owed.
 *
 * <p>Thread-safety: all state lives on the dispatcher's own single-threaded scheduler (its "lane"), which is also
 * where its sink is called; a slow or blocking sink therefore delays only itself.
 */
final class Dispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(250);

  private final RingBuffer log;
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

  private static final class Flight {
    final long lastSequence;
    final Instant firstReceivedAt;
    boolean done;

    Flight(long lastSequence, Instant firstReceivedAt) {
      this.lastSequence = lastSequence;
      this.firstReceivedAt = firstReceivedAt;
    }
  }

  Dispatcher(RingBuffer log, SinkDelivery delivery, int maxInFlight, ScheduledExecutorService lane, Clock clock) {
    this.log = log;
    this.delivery = delivery;
    this.maxInFlight = maxInFlight;
    this.lane = lane;
    this.clock = clock;
  }

  String name() {
    return delivery.target().name();
  }

  void start() {
    committed = log.openCursor(name());
    readPosition = committed;
    running = true;
    log.onAppend(this::wake);
    // A safety net: appends wake the dispatcher, and a slow poll catches anything a wake-up missed.
    lane.scheduleWithFixedDelay(this::wake, IDLE_POLL.toMillis(), IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
    wake();
  }

  void wake() {
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
        readPosition = records.get(records.size() - 1).sequence();
        List<Envelope> batch = new ArrayList<>(records.size());
        for (LogRecord r : records) {
          if (delivery.target().accepts().test(r.envelope())) {
            batch.add(r.envelope());
          }
        }
        Flight flight = new Flight(readPosition, records.get(0).envelope().receivedAt());
        inFlight.addLast(flight);
        if (batch.isEmpty()) {
          flight.done = true;
          continue;
        }
        delivery.deliver(batch).whenComplete((v, error) -> {
          if (error == null) {
            lane.execute(() -> {
              flight.done = true;
              wake();
            });
          }
        });
      }
      commitDonePrefix();
    } catch (RuntimeException e) {
      if (running) {
        LOG.warn("dispatcher for sink {} cannot read the log: {}", name(), e.getMessage());
      }
    }
  }

  private void commitDonePrefix() {
    long upTo = committed;
    while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
      upTo = inFlight.removeFirst().lastSequence;
    }
    oldestPending = inFlight.isEmpty() ? null : inFlight.peekFirst().firstReceivedAt;
    if (upTo > committed) {
      committed = upTo;
      log.commit(name(), upTo).exceptionally(e -> {
        LOG.warn("cursor of sink {} could not be saved; its events may be delivered again: {}", name(),
            e.getMessage());
        return null;
      });
    }
  }

  /** The last sequence this sink has fully consumed. */
  long committed() {
    return committed;
  }

  SinkStatus status() {
    long lag = Math.max(0, log.lastSequence() - committed);
    Instant oldest = oldestPending;
    double lagSeconds = lag == 0 || oldest == null ? 0
        : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    return delivery.status(lag, lagSeconds);
  }

  void stop() {
    running = false;
    delivery.stop();
  }
}
