package dev.eventkit.delivery;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.metrics.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * In-process delivery: one dispatcher per sink, each on its own thread and cursor, so a slow or failing sink never
 * delays another. {@code workers} is how many batches each sink may have in flight at once (useful for sinks whose
 * writes wait on the network); the cursor still advances only over a done prefix.
 *
 * <p>Memory: each sink holds at most {@code workers} batches and {@code inFlightBytes} estimated bytes in flight
 * (16 MiB by default; a single batch larger than that still travels, alone); the backlog waits in the log.
 *
 * <p>Thread-safe. Build with {@link #builder()}; defaults: 4 workers, 16 MiB in flight per sink, writes timing out
 * after 60 s.
 */
public final class AsyncQueue implements Queue {

  private final int workers;
  private final long inFlightBytes;
  private final Duration writeTimeout;
  private final Clock clock;
  private final List<Dispatcher> dispatchers = new ArrayList<>();
  private final List<ScheduledExecutorService> lanes = new ArrayList<>();
  private boolean started;

  private AsyncQueue(Builder b) {
    this.workers = b.workers;
    this.inFlightBytes = b.inFlightBytes;
    this.writeTimeout = b.writeTimeout;
    this.clock = b.clock;
  }

  public static AsyncQueue create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public synchronized void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics) {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    for (DeliveryTarget target : targets) {
      ScheduledExecutorService lane = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "eventkit-sink-" + target.name());
        t.setDaemon(true);
        return t;
      });
      lanes.add(lane);
      SinkDelivery delivery = new SinkDelivery(target, lane, writeTimeout, clock, metrics);
      Dispatcher d = new Dispatcher(log, target.name(), delivery, workers, inFlightBytes, lane, clock);
      dispatchers.add(d);
      d.start();
    }
  }

  @Override
  public boolean drain(long sequence, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Dispatcher> all;
    synchronized (this) {
      all = List.copyOf(dispatchers);
    }
    for (Dispatcher d : all) {
      while (d.committed() < sequence) {
        if (System.nanoTime() >= deadline) {
          return false;
        }
        d.wake();
        Thread.sleep(5);
      }
    }
    return true;
  }

  @Override
  public synchronized List<SinkStatus> status() {
    List<SinkStatus> out = new ArrayList<>(dispatchers.size());
    for (Dispatcher d : dispatchers) {
      out.add(d.status());
    }
    return out;
  }

  @Override
  public synchronized void close() {
    for (Dispatcher d : dispatchers) {
      d.stop();
    }
    for (ScheduledExecutorService lane : lanes) {
      lane.shutdownNow();
    }
    for (ScheduledExecutorService lane : lanes) {
      try {
        lane.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private int workers = 4;
    private long inFlightBytes = Dispatcher.DEFAULT_MAX_IN_FLIGHT_BYTES;
    private Duration writeTimeout = Duration.ofSeconds(60);
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
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("writeTimeout must be positive");
      }
      return new AsyncQueue(this);
    }
  }
}
