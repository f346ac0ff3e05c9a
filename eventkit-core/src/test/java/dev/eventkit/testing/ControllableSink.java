package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A sink for fault tests: it can be switched to fail every write (retryably), and it can refuse chosen events for
 * good (poison). It records what it delivered, with arrival times, and counts write calls.
 */
public final class ControllableSink implements Sink {

  private final String name;
  private final boolean keepEnvelopes;
  private final List<Envelope> delivered = new ArrayList<>();
  private final java.util.Map<String, Long> firstArrival = new java.util.HashMap<>();
  private final AtomicInteger writes = new AtomicInteger();
  private volatile boolean down;
  private long deliveries;
  private volatile Predicate<Envelope> poison = e -> false;

  public ControllableSink(String name) {
    this(name, true);
  }

  /** With {@code keepEnvelopes} false only ids and arrival times are kept, for tests that measure the heap. */
  public ControllableSink(String name, boolean keepEnvelopes) {
    this.name = name;
    this.keepEnvelopes = keepEnvelopes;
  }

  @Override
  public String name() {
    return name;
  }

  /** While down, every write fails with a retryable error. */
  public void setDown(boolean down) {
    this.down = down;
  }

  /** Events matching the predicate are refused permanently, each on its own. */
  public void setPoison(Predicate<Envelope> poison) {
    this.poison = poison;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    writes.incrementAndGet();
    if (down) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("sink is down")));
    }
    java.util.Map<Integer, Failure> failures = new java.util.HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      if (poison.test(batch.get(i))) {
        failures.put(i, Failure.permanent("refused by destination"));
      }
    }
    long now = System.nanoTime();
    synchronized (delivered) {
      for (int i = 0; i < batch.size(); i++) {
        if (!failures.containsKey(i)) {
          firstArrival.putIfAbsent(batch.get(i).id(), now);
          deliveries++;
          if (keepEnvelopes) {
            delivered.add(batch.get(i));
          }
        }
      }
      delivered.notifyAll();
    }
    return CompletableFuture.completedFuture(WriteResult.partial(failures));
  }

  public int writeCalls() {
    return writes.get();
  }

  public List<Envelope> delivered() {
    synchronized (delivered) {
      return List.copyOf(delivered);
    }
  }

  /** Nanotime at which the envelope with this id first arrived, or -1. */
  public long arrivalOf(String id) {
    synchronized (delivered) {
      return firstArrival.getOrDefault(id, -1L);
    }
  }

  /** Every id that arrived (once each). */
  public java.util.Set<String> deliveredIds() {
    synchronized (delivered) {
      return java.util.Set.copyOf(firstArrival.keySet());
    }
  }

  /** How many events arrived, replays included. */
  public long deliveries() {
    synchronized (delivered) {
      return deliveries;
    }
  }

  /** How many distinct ids arrived. */
  public int distinctDelivered() {
    synchronized (delivered) {
      return firstArrival.size();
    }
  }

  /** Waits until the delivered envelopes' distinct ids include all of {@code ids}. */
  public void awaitIds(java.util.Collection<String> ids, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (delivered) {
      while (true) {
        if (firstArrival.keySet().containsAll(ids)) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(name + " has " + firstArrival.size() + " ids; some of the " + ids.size()
              + " expected are missing");
        }
        delivered.wait(Math.max(1, left / 1_000_000));
      }
    }
  }
}
