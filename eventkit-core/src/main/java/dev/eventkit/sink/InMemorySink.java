package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Keeps delivered envelopes in memory, in delivery order: the sink for users' own tests. {@link #await} lets a test
 * wait until what it expects has arrived instead of sleeping.
 *
 * <p>Thread-safe. Never fails a write.
 */
public final class InMemorySink implements Sink {

  private final String name;
  private final List<Envelope> received = new ArrayList<>();

  public InMemorySink(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    synchronized (received) {
      received.addAll(batch);
      received.notifyAll();
    }
    return CompletableFuture.completedFuture(WriteResult.success());
  }

  /** A snapshot of everything delivered so far, replays included. */
  public List<Envelope> envelopes() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** Forgets what was delivered. */
  public void clear() {
    synchronized (received) {
      received.clear();
    }
  }

  /**
   * Waits until the delivered envelopes satisfy {@code condition}, and returns them.
   *
   * @throws TimeoutException when they do not within {@code timeout}
   */
  public List<Envelope> await(Predicate<List<Envelope>> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      while (!condition.test(received)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("sink " + name + " holds " + received.size() + " envelope(s); condition unmet");
        }
        received.wait(Math.max(1, left / 1_000_000));
      }
      return List.copyOf(received);
    }
  }

  /** Waits until at least {@code count} envelopes were delivered. */
  public List<Envelope> awaitCount(int count, Duration timeout) throws InterruptedException, TimeoutException {
    return await(list -> list.size() >= count, timeout);
  }
}
