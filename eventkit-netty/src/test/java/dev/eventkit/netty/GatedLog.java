package dev.eventkit.netty;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.event.Envelope;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory log whose appends complete only once the test opens the gate: a commit that takes its time. */
final class GatedLog implements RingBuffer {

  private final InMemoryRingBuffer delegate = new InMemoryRingBuffer();
  private final CompletableFuture<Void> gate = new CompletableFuture<>();
  private final AtomicInteger waiting = new AtomicInteger();

  /** Appends held at the gate so far. */
  int waiting() {
    return waiting.get();
  }

  void open() {
    gate.complete(null);
  }

  @Override
  public CompletableFuture<Long> append(List<Envelope> batch) {
    if (gate.isDone()) {
      return delegate.append(batch);
    }
    waiting.incrementAndGet();
    // Completes on the thread that opens the gate, as a real log completes on its writer thread.
    return gate.thenCompose(v -> delegate.append(batch));
  }

  @Override
  public List<LogRecord> read(long afterSequence, int max) {
    return delegate.read(afterSequence, max);
  }

  @Override
  public long openCursor(String consumer) {
    return delegate.openCursor(consumer);
  }

  @Override
  public CompletableFuture<Void> commit(String consumer, long upToSequence) {
    return delegate.commit(consumer, upToSequence);
  }

  @Override
  public CompletableFuture<Void> dropCursor(String consumer) {
    return delegate.dropCursor(consumer);
  }

  @Override
  public java.util.Map<String, Long> cursors() {
    return delegate.cursors();
  }

  @Override
  public long lastSequence() {
    return delegate.lastSequence();
  }

  @Override
  public void onAppend(Runnable listener) {
    delegate.onAppend(listener);
  }

  @Override
  public RingBufferStats stats() {
    return delegate.stats();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
