package dev.eventkit.gcp.pubsub;

import dev.eventkit.Envelope;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.SinkDelivery;
import dev.eventkit.delivery.SinkStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector side of the distributed queue: moves one cursor through the log, publishing every record (valid
 * or not — the workers' sinks choose) through a {@link SinkDelivery} to the topic's {@link PubSubSink}, with up to
 * {@code maxInFlight} batches outstanding, and commits the cursor over the longest prefix of batches Pub/Sub
 * acknowledged in full. Nothing in the log is skipped: a batch Pub/Sub keeps refusing holds the cursor (there is
 * no dead letter on this side) and shows in {@link #status}.
 *
 * <p>Thread-safety: all state lives on the single-threaded {@code lane}, which also runs the sink's callbacks.
 */
final class LogPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(LogPublisher.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(250);

  private final RingBuffer log;
  private final String cursor;
  private final SinkDelivery delivery;
  private final int batchSize;
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

  LogPublisher(RingBuffer log, String cursor, SinkDelivery delivery, int batchSize, int maxInFlight,
      ScheduledExecutorService lane, Clock clock) {
    this.log = log;
    this.cursor = cursor;
    this.delivery = delivery;
    this.batchSize = batchSize;
    this.maxInFlight = maxInFlight;
    this.lane = lane;
    this.clock = clock;
  }

  void start() {
    committed = log.openCursor(cursor);
    readPosition = committed;
    running = true;
    log.onAppend(this::wake);
    // Appends wake the publisher; the slow poll catches anything a wake-up missed.
    lane.scheduleWithFixedDelay(this::wake, IDLE_POLL.toMillis(), IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
    wake();
  }

  void wake() {
    if (running && pumpQueued.compareAndSet(false, true)) {
      try {
        lane.execute(this::pump);
      } catch (RejectedExecutionException e) {
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
      while (inFlight.size() < maxInFlight) {
        List<LogRecord> records = log.read(readPosition, batchSize);
        if (records.isEmpty()) {
          break;
        }
        readPosition = records.get(records.size() - 1).sequence();
        List<Envelope> batch = new ArrayList<>(records.size());
        for (LogRecord r : records) {
          batch.add(r.envelope());
        }
        Flight flight = new Flight(readPosition, records.get(0).envelope().receivedAt());
        inFlight.addLast(flight);
        delivery.deliver(batch).whenComplete((v, error) -> {
          if (error == null) {
            try {
              lane.execute(() -> {
                flight.done = true;
                wake();
              });
            } catch (RejectedExecutionException stopped) {
              // Closing: the batch stays above the cursor and is published again after the next start.
            }
          }
        });
      }
      commitDonePrefix();
    } catch (RuntimeException e) {
      if (running) {
        LOG.warn("Pub/Sub publisher cannot read the log: {}", e.getMessage());
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
      log.commit(cursor, upTo).exceptionally(e -> {
        LOG.warn("the Pub/Sub publisher's cursor could not be saved; its events may be published again: {}",
            e.getMessage());
        return null;
      });
    }
  }

  /** The last sequence Pub/Sub acknowledged, with everything before it. */
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
