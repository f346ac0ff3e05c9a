package dev.eventkit.internal.delivery;

import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.AsyncQueue;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one consumer's cursor through the log: reads batches after the cursor, hands the records its target
 * {@linkplain DeliveryTarget#accepts() accepts} to a {@link SinkDelivery} with up to {@code maxInFlight} batches
 * outstanding, and commits the cursor over the longest prefix of batches that are done. A batch is done only when
 * each of its events was delivered or dead-lettered, so the cursor never passes an event that is still owed. Used by
 * {@link AsyncQueue} (one per sink) and by queues that forward the log elsewhere (one publisher).
 *
 * <p>Memory: a batch holds at most the target's {@link DeliveryTarget#batchSize() batchSize} events and
 * {@link DeliveryTarget#batchBytes() batchBytes} estimated bytes (an event larger than that travels alone), and the
 * batches handed to the sink and not yet done hold at most {@code maxInFlightBytes} together (or the one batch
 * then in flight). Sizes are estimated from each record's text lengths, without parsing. The log is read in chunks
 * sized from the largest record seen lately, so a read overshoots the budget only when records grow suddenly, and
 * then by one chunk at most.
 *
 * <p>A record the log cannot decode ({@link LogRecord#isUndecodable()}) is never handed to the sink: it goes to the
 * dead-letter path of {@link SinkDelivery#deliverUndecodable}, so that the cursor can move past it (or is held
 * there, shown in the status, when no dead-letter sink is configured).
 *
 * <p>Gaps: a consumer whose cursor lies below the log's oldest retained record (a sink removed from the
 * configuration while retention removed what it had not read, then added back) cannot read those records. When it
 * starts, or when a read returns a first record beyond the next expected sequence, the dispatcher logs a warning
 * (counts and sequences, never contents), counts the missing events in {@link SinkStatus#skippedEvents()}, and
 * carries on from the oldest retained record.
 *
 * <p>Thread-safety: all state lives on the dispatcher's own single-threaded scheduler (its "lane"), which is also
 * where its sink is called; a slow or blocking sink therefore delays only itself. {@link #wake()},
 * {@link #committed()}, {@link #committedAtLeast}, {@link #status()} and {@link #stop()} may be called from any
 * thread. Failure modes: a log
 * that cannot be read is logged and tried again at the next wake-up; nothing is thrown.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class Dispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(250);
  /** The default {@code maxInFlightBytes}: 16 MiB per consumer. */
  public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 16L * 1024 * 1024;
  /** Fixed fields of an envelope (id, times, validation, collector), in estimated bytes. */
  private static final long ENVELOPE_OVERHEAD = 256;

  private final RingBuffer log;
  private final String cursor;
  private final SinkDelivery delivery;
  private final int maxInFlight;
  private final long maxInFlightBytes;
  private final ScheduledExecutorService lane;
  private final Clock clock;
  private final AtomicBoolean pumpQueued = new AtomicBoolean();
  private final Deque<Flight> inFlight = new ArrayDeque<>();
  /** Records read from the log but not yet in a batch (when a chunk held more than the budget took). */
  private final Deque<Sized> readAhead = new ArrayDeque<>();

  /** The last sequence read from the log (including {@link #readAhead}). */
  private long readPosition;
  /** Estimated bytes of the batches in flight that are not done yet. */
  private long inFlightBytes;
  /** Estimated bytes of a record, for sizing reads: the largest seen lately, halved by each read of smaller ones. */
  private long recordEstimate;
  private volatile long committed;
  /** The last cursor position the log confirmed as saved; guarded by {@link #waiters}. */
  private volatile long saved;
  private volatile boolean saving;
  private volatile boolean saveFailing;
  /** Futures of {@link #committedAtLeast} by sequence; also guards {@link #saved} and {@link #stopped}. */
  private final TreeMap<Long, CompletableFuture<Void>> waiters = new TreeMap<>();
  private boolean stopped;
  private volatile Instant oldestPending;
  private volatile boolean running;
  private boolean warnedFilter;
  private final AtomicLong skipped = new AtomicLong();

  private record Sized(LogRecord record, long bytes) {}

  private static final class Flight {
    final long lastSequence;
    final Instant firstReceivedAt;
    final long bytes;
    /** The events handed to the delivery, and the records it dead-letters as undecodable; released once done. */
    List<Envelope> batch;
    List<LogRecord> undecodable;
    boolean done;

    Flight(long lastSequence, Instant firstReceivedAt, List<Envelope> batch, List<LogRecord> undecodable,
        long bytes) {
      this.lastSequence = lastSequence;
      this.firstReceivedAt = firstReceivedAt;
      this.batch = batch;
      this.undecodable = undecodable;
      this.bytes = bytes;
    }
  }

  /**
   * A dispatcher for {@code cursor}, delivering through {@code delivery} on {@code lane} (the scheduler the
   * delivery itself uses), with at most {@value #DEFAULT_MAX_IN_FLIGHT_BYTES} bytes in flight. Nothing happens
   * before {@link #start()}.
   */
  public Dispatcher(RingBuffer log, String cursor, SinkDelivery delivery, int maxInFlight,
      ScheduledExecutorService lane, Clock clock) {
    this(log, cursor, delivery, maxInFlight, DEFAULT_MAX_IN_FLIGHT_BYTES, lane, clock);
  }

  /**
   * A dispatcher with at most {@code maxInFlight} batches and {@code maxInFlightBytes} estimated bytes handed to
   * the delivery and not yet done.
   */
  public Dispatcher(RingBuffer log, String cursor, SinkDelivery delivery, int maxInFlight, long maxInFlightBytes,
      ScheduledExecutorService lane, Clock clock) {
    if (maxInFlight < 1 || maxInFlightBytes < 1) {
      throw new IllegalArgumentException("maxInFlight and maxInFlightBytes must be >= 1");
    }
    this.log = log;
    this.cursor = cursor;
    this.delivery = delivery;
    this.maxInFlight = maxInFlight;
    this.maxInFlightBytes = maxInFlightBytes;
    this.lane = lane;
    this.clock = clock;
    // Until records were seen, assume large ones: the first read takes 16 records of a batch's byte budget.
    this.recordEstimate = Math.max(1, delivery.target().batchBytes() / 16);
  }

  /** Opens the cursor and starts reading after it. */
  public void start() {
    committed = log.openCursor(cursor);
    synchronized (waiters) {
      saved = committed;
    }
    readPosition = committed;
    long first = firstRetained();
    if (first > 0 && committed + 1 < first) {
      noteGap(committed, first);
      readPosition = first - 1;
    }
    running = true;
    log.onAppend(this::wake);
    // A safety net: appends wake the dispatcher, and a slow poll catches anything a wake-up missed.
    lane.scheduleWithFixedDelay(this::wake, IDLE_POLL.toMillis(), IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
    wake();
  }

  private long firstRetained() {
    try {
      return log.stats().firstSequence();
    } catch (RuntimeException e) {
      return 0; // unknown: a gap is still noticed by the first read
    }
  }

  private void noteGap(long cursorPosition, long firstAvailable) {
    long missing = firstAvailable - cursorPosition - 1;
    skipped.addAndGet(missing);
    LOG.warn("cursor {} stands at sequence {} but the oldest record the log still holds is {}: {} event(s) were "
        + "removed by retention before this consumer read them (was it absent from the configuration?) and are "
        + "skipped", cursor, cursorPosition, firstAvailable, missing);
  }

  /** Asks for a look at the log now (appends do this by themselves). */
  public void wake() {
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
      long batchBytes = delivery.target().batchBytes();
      while (running && inFlight.size() < maxInFlight) {
        boolean alone = inFlightBytes == 0;
        long budget = alone ? batchBytes : Math.min(batchBytes, maxInFlightBytes - inFlightBytes);
        if (budget <= 0) {
          break;
        }
        List<Sized> records = nextBatch(budget, alone);
        if (records.isEmpty()) {
          break;
        }
        dispatch(records);
      }
      commitDonePrefix();
    } catch (Throwable e) {
      if (running) {
        LOG.warn("dispatcher for cursor {} cannot read the log: {}", cursor, e.getClass().getName());
      }
    }
  }

  /**
   * The next batch: records after the last one taken, up to the batch size and {@code budget} bytes. When
   * {@code mayExceed} (nothing else is in flight), a first record larger than the budget is taken alone; otherwise
   * it waits for the data in flight to shrink.
   */
  private List<Sized> nextBatch(long budget, boolean mayExceed) {
    int batchSize = delivery.target().batchSize();
    List<Sized> out = new ArrayList<>();
    long bytes = 0;
    while (out.size() < batchSize && (out.isEmpty() || bytes < budget)) {
      if (readAhead.isEmpty() && !readMore(batchSize - out.size(), budget - bytes)) {
        break;
      }
      Sized next = readAhead.peekFirst();
      if (bytes + next.bytes() > budget && !(out.isEmpty() && mayExceed)) {
        break;
      }
      out.add(readAhead.removeFirst());
      bytes += next.bytes();
    }
    return out;
  }

  /** Reads a chunk of records after {@link #readPosition} into {@link #readAhead}; false when there is none. */
  private boolean readMore(int maxCount, long budgetBytes) {
    long fit = Math.max(1, budgetBytes) / Math.max(1, recordEstimate);
    int want = (int) Math.max(1, Math.min(maxCount, fit));
    List<LogRecord> records = log.read(readPosition, want);
    if (records.isEmpty()) {
      return false;
    }
    if (records.get(0).sequence() > readPosition + 1) {
      noteGap(readPosition, records.get(0).sequence());
    }
    long largest = 0;
    for (LogRecord r : records) {
      long bytes = estimatedBytes(r);
      largest = Math.max(largest, bytes);
      readAhead.addLast(new Sized(r, bytes));
    }
    readPosition = records.get(records.size() - 1).sequence();
    recordEstimate = Math.max(largest, recordEstimate / 2);
    return true;
  }

  /**
   * A record's size in memory, estimated from its text lengths (no parsing): the payload, the contexts, the user
   * agent, the attributes and a fixed overhead for the other fields.
   */
  static long estimatedBytes(LogRecord r) {
    if (r.isUndecodable()) {
      return ENVELOPE_OVERHEAD + r.raw().length;
    }
    Envelope e = r.envelope();
    long n = ENVELOPE_OVERHEAD + e.payloadJson().length();
    for (Entity c : e.contexts()) {
      n += 32 + c.schema().length() + c.dataJson().length();
    }
    if (e.userAgent() != null) {
      n += e.userAgent().length();
    }
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      n += a.getKey().length() + a.getValue().length();
    }
    return n;
  }

  /**
   * Turns the records into a flight: the events the target accepts go to the sink, undecodable records to the
   * dead-letter path; a flight with neither is done at once.
   */
  private void dispatch(List<Sized> records) {
    List<Envelope> batch = new ArrayList<>(records.size());
    List<LogRecord> undecodable = List.of();
    Instant firstReceivedAt = null;
    long bytes = 0;
    for (Sized s : records) {
      bytes += s.bytes();
      LogRecord r = s.record();
      if (r.isUndecodable()) {
        if (undecodable.isEmpty()) {
          undecodable = new ArrayList<>();
        }
        undecodable.add(r);
        continue;
      }
      if (firstReceivedAt == null) {
        firstReceivedAt = r.envelope().receivedAt();
      }
      if (accepts(r.envelope())) {
        batch.add(r.envelope());
      }
    }
    Flight flight = new Flight(records.get(records.size() - 1).record().sequence(),
        firstReceivedAt != null ? firstReceivedAt : clock.instant(), batch, undecodable, bytes);
    inFlight.addLast(flight);
    inFlightBytes += bytes;
    if (batch.isEmpty() && undecodable.isEmpty()) {
      markDone(flight);
    } else {
      launch(flight);
    }
  }

  private void markDone(Flight flight) {
    if (!flight.done) {
      flight.done = true;
      flight.batch = null;
      flight.undecodable = null;
      inFlightBytes -= flight.bytes;
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
    CompletableFuture<Void> events = delivery.deliver(flight.batch);
    CompletableFuture<Void> letters = delivery.deliverUndecodable(flight.undecodable);
    CompletableFuture.allOf(events, letters).whenComplete((v, error) -> {
      try {
        lane.execute(() -> {
          if (error == null) {
            markDone(flight);
            wake();
          } else if (running && !(error instanceof CancellationException)) {
            // The delivery promises to finish every batch; should it fail anyway, try again rather than stall.
            LOG.warn("delivery for cursor {} failed with {}; the batch is tried again", cursor,
                error.getClass().getName());
            lane.schedule(() -> launch(flight), delivery.target().retry().maxDelay().toMillis(),
                TimeUnit.MILLISECONDS);
          }
        });
      } catch (RejectedExecutionException stopped) {
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
    }
    saveCursor();
  }

  /**
   * Saves the cursor when it moved past what was saved, one save at a time: saves that queue up behind a slow one
   * merge into the next. A failed save is tried again at the next pump, so waiters are never stranded.
   */
  private void saveCursor() {
    long target = committed;
    if (target <= saved || saving) {
      return;
    }
    saving = true;
    CompletableFuture<Void> commit;
    try {
      commit = log.commit(cursor, target);
    } catch (Throwable t) {
      commit = CompletableFuture.failedFuture(t);
    }
    commit.whenComplete((v, e) -> {
      if (e == null) {
        saveFailing = false;
        landed(target);
      } else if (running && !saveFailing) {
        saveFailing = true;
        LOG.warn("cursor {} could not be saved ({}); trying again, and its events may be delivered again after a "
            + "crash", cursor, e.getClass().getName());
      }
      saving = false;
      wake();
    });
  }

  /** Records a saved cursor position and completes the waiters it satisfies. */
  private void landed(long position) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (waiters) {
      if (position > saved) {
        saved = position;
      }
      Map<Long, CompletableFuture<Void>> head = waiters.headMap(saved, true);
      ready.addAll(head.values());
      head.clear();
    }
    ready.forEach(f -> f.complete(null));
  }

  /**
   * A future completed once this consumer's cursor is saved at {@code sequence} or beyond, that is once every
   * record up to it was delivered, dead-lettered or skipped and the log has made that durable. Completes
   * exceptionally with {@link CancellationException} when the dispatcher stops first. The
   * caller bounds the wait ({@code orTimeout}); cancelling the returned future affects no other caller.
   */
  public CompletableFuture<Void> committedAtLeast(long sequence) {
    CompletableFuture<Void> shared;
    synchronized (waiters) {
      if (saved >= sequence) {
        return CompletableFuture.completedFuture(null);
      }
      if (stopped) {
        return CompletableFuture.failedFuture(new CancellationException("dispatcher stopped"));
      }
      shared = waiters.computeIfAbsent(sequence, k -> new CompletableFuture<>());
    }
    wake();
    return shared.copy();
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
    return delivery.status(lag, lagSeconds, skipped.get());
  }

  /** Stops reading and abandons pending retries; what was not done stays above the cursor. */
  public void stop() {
    running = false;
    delivery.stop();
    List<CompletableFuture<Void>> abandoned;
    synchronized (waiters) {
      stopped = true;
      abandoned = new ArrayList<>(waiters.values());
      waiters.clear();
    }
    abandoned.forEach(f -> f.completeExceptionally(
        new CancellationException("dispatcher stopped")));
  }
}
