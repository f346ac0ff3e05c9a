package dev.eventkit.delivery;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.internal.delivery.Dispatcher;
import dev.eventkit.internal.delivery.SinkDelivery;
import dev.eventkit.metrics.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process delivery: one dispatcher per sink, each on its own thread and cursor, so a slow or failing sink never
 * delays another. {@code workers} is how many batches each sink may have in flight at once (useful for sinks whose
 * writes wait on the network); the cursor still advances only over a done prefix.
 *
 * <p>Memory: each sink holds at most {@code workers} batches and {@code inFlightBytes} estimated bytes in flight
 * (16 MiB by default; a single batch larger than that still travels, alone); the backlog waits in the log.
 *
 * <p>Draining: {@link #drain(long)} is a future completed by the dispatchers when their cursor saves land (no
 * polling). Closing is bounded by the close timeout even when a sink never returns from a write.
 *
 * <p>Thread-safe. Build with {@link #builder()}; defaults: 4 workers, 16 MiB in flight per sink, writes timing out
 * after 60 s, closing waiting at most 5 s for the sinks' threads.
 */
public final class AsyncQueue implements Queue {

  private static final Logger LOG = LoggerFactory.getLogger(AsyncQueue.class);

  private final int workers;
  private final long inFlightBytes;
  private final Duration writeTimeout;
  private final Clock clock;
  private final List<Dispatcher> dispatchers = new ArrayList<>();
  private final List<ScheduledExecutorService> lanes = new ArrayList<>();
  private final List<String> laneNames = new ArrayList<>();
  private final Duration closeTimeout;
  private boolean started;
  private boolean closed;

  private AsyncQueue(Builder b) {
    this.workers = b.workers;
    this.inFlightBytes = b.inFlightBytes;
    this.writeTimeout = b.writeTimeout;
    this.clock = b.clock;
    this.closeTimeout = b.closeTimeout;
  }

  public static AsyncQueue create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public synchronized void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics) {
    if (started || closed) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    started = true;
    for (DeliveryTarget target : targets) {
      ScheduledExecutorService lane = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "eventkit-sink-" + target.name());
        t.setDaemon(true);
        return t;
      });
      lanes.add(lane);
      laneNames.add(target.name());
      SinkDelivery delivery = new SinkDelivery(target, lane, writeTimeout, clock, metrics);
      Dispatcher d = new Dispatcher(log, target.name(), delivery, workers, inFlightBytes, lane, clock);
      dispatchers.add(d);
      d.start();
    }
  }

  @Override
  public CompletableFuture<Void> drain(long sequence) {
    List<Dispatcher> all;
    synchronized (this) {
      all = List.copyOf(dispatchers);
    }
    CompletableFuture<?>[] each = new CompletableFuture<?>[all.size()];
    for (int i = 0; i < each.length; i++) {
      each[i] = all.get(i).committedAtLeast(sequence);
    }
    return CompletableFuture.allOf(each);
  }

  @Override
  public synchronized List<SinkStatus> status() {
    List<SinkStatus> out = new ArrayList<>(dispatchers.size());
    for (Dispatcher d : dispatchers) {
      out.add(d.status());
    }
    return out;
  }

  /**
   * Stops every dispatcher (pending drains fail), interrupts the sinks' threads and waits for them at most the
   * close timeout in total; a sink still inside a write after that is left to finish on its (daemon) thread, and
   * what it was writing stays above its cursor in the log. Idempotent.
   */
  @Override
  public void close() {
    List<Dispatcher> ds;
    List<ScheduledExecutorService> ls;
    List<String> names;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ds = List.copyOf(dispatchers);
      ls = List.copyOf(lanes);
      names = List.copyOf(laneNames);
    }
    for (Dispatcher d : ds) {
      d.stop();
    }
    for (ScheduledExecutorService lane : ls) {
      lane.shutdownNow();
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    List<String> stuck = new ArrayList<>();
    for (int i = 0; i < ls.size(); i++) {
      try {
        if (!ls.get(i).awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          stuck.add(names.get(i));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!stuck.isEmpty()) {
      LOG.warn("sink(s) {} still inside a write after the close timeout of {}; left to finish in the background, "
          + "their unfinished batches stay in the log", stuck, closeTimeout);
    }
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private int workers = 4;
    private long inFlightBytes = Dispatcher.DEFAULT_MAX_IN_FLIGHT_BYTES;
    private Duration writeTimeout = Duration.ofSeconds(60);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Batches each sink may have in flight at once. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /**
     * The most data, in estimated bytes, each sink may have handed over and not yet completed (16 MiB by
     * default). With {@link #workers} this bounds the memory delivery uses per sink, whatever the events' sizes.
     */
    public Builder inFlightBytes(long bytes) {
      this.inFlightBytes = bytes;
      return this;
    }

    /** How long one sink write may take before it counts as a retryable failure. */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Objects.requireNonNull(timeout, "writeTimeout");
      return this;
    }

    /**
     * How long {@link AsyncQueue#close()} waits in total for the sinks' threads to leave their writes (5 s by
     * default); the pipeline's shutdown timeout, which lets deliveries finish, comes before it.
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public AsyncQueue build() {
      if (workers < 1 || workers > 256) {
        throw new IllegalArgumentException("workers must be between 1 and 256");
      }
      if (inFlightBytes < 1) {
        throw new IllegalArgumentException("inFlightBytes must be >= 1");
      }
      if (closeTimeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must be >= 0");
      }
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("writeTimeout must be positive");
      }
      return new AsyncQueue(this);
    }
  }
}
