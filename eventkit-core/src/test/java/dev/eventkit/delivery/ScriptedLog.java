package dev.eventkit.delivery;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.event.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A log for delivery tests, over an {@link InMemoryRingBuffer}: it can hide the records up to a sequence from
 * reads (as if retention had removed them, without saying so in its stats), and it can return chosen records as
 * undecodable, with raw bytes and a reason instead of an envelope.
 */
final class ScriptedLog implements RingBuffer {

  private final InMemoryRingBuffer inner = new InMemoryRingBuffer();
  private final Map<Long, byte[]> undecodable = new ConcurrentHashMap<>();
  private volatile long hiddenUpTo;

  /** Reads skip every record up to {@code sequence}; stats no longer tell the oldest retained sequence. */
  void hideUpTo(long sequence) {
    hiddenUpTo = sequence;
  }

  /** Reads return the record at {@code sequence} as undecodable, with these raw bytes. */
  void makeUndecodable(long sequence, byte[] raw) {
    undecodable.put(sequence, raw);
  }

  @Override
  public CompletableFuture<Long> append(List<Envelope> batch) {
    return inner.append(batch);
  }

  @Override
  public List<LogRecord> read(long afterSequence, int max) {
    List<LogRecord> out = new ArrayList<>();
    for (LogRecord r : inner.read(Math.max(afterSequence, hiddenUpTo), max)) {
      byte[] raw = undecodable.get(r.sequence());
      out.add(raw == null ? r : LogRecord.undecodable(r.sequence(), raw, "unknown envelope format version 9"));
    }
    return out;
  }

  @Override
  public long openCursor(String consumer) {
    return inner.openCursor(consumer);
  }

  @Override
  public CompletableFuture<Void> commit(String consumer, long upToSequence) {
    return inner.commit(consumer, upToSequence);
  }

  @Override
  public CompletableFuture<Void> dropCursor(String consumer) {
    return inner.dropCursor(consumer);
  }

  @Override
  public java.util.Map<String, Long> cursors() {
    return inner.cursors();
  }

  @Override
  public long lastSequence() {
    return inner.lastSequence();
  }

  @Override
  public void onAppend(Runnable listener) {
    inner.onAppend(listener);
  }

  @Override
  public RingBufferStats stats() {
    RingBufferStats s = inner.stats();
    return hiddenUpTo == 0 ? s : new RingBufferStats(0, s.lastSequence(), s.retainedEvents(), s.unconsumedEvents(),
        s.unconsumedBytes(), s.capacityEvents(), s.capacityBytes());
  }

  @Override
  public void close() {
    inner.close();
  }
}
