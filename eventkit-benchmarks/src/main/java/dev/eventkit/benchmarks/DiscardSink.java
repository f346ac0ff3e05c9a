package dev.eventkit.benchmarks;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A sink that accepts every batch at once and keeps only a count, so that a benchmark pays for delivery out of the
 * log (read, decode, cursor commit) but not for any destination.
 *
 * <p>Thread-safe; never fails.
 */
public final class DiscardSink implements Sink {

  private final LongAdder delivered = new LongAdder();

  @Override
  public String name() {
    return "discard";
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    delivered.add(batch.size());
    return CompletableFuture.completedFuture(WriteResult.success());
  }

  /** How many events were handed to this sink so far. */
  public long delivered() {
    return delivered.sum();
  }
}
