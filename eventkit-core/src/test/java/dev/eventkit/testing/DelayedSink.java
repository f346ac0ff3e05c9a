package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Delays each write of the sink it wraps, so that a test that kills or stops a worker finds batches in flight. A
 * write interrupted while it waits fails as retryable.
 */
public record DelayedSink(Sink inner, long delayMillis) implements Sink {

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    try {
      Thread.sleep(delayMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("interrupted")));
    }
    return inner.write(batch);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return inner.flush();
  }

  @Override
  public void close() {
    inner.close();
  }
}
