package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A log held in memory, with the same semantics as {@link SqliteRingBuffer} (sequences, cursors, retention,
 * capacity) but no durability: what it holds is gone when the process ends. For tests and for hosts that accept
 * that loss.
 *
 * <p>Thread-safe: every method synchronises on the instance. Retention runs on each append.
 */
public final class InMemoryRingBuffer implements RingBuffer {

  private final RetentionPolicy retention;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private final Map<String, Long> cursors = new HashMap<>();
  private final Set<String> open = new HashSet<>();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private long lastSequence;
  private long unconsumedBytes;
  private boolean closed;

  private record Entry(long sequence, Envelope envelope, long bytes, long appendedAtMillis) {}

  public InMemoryRingBuffer() {
    this(RetentionPolicy.defaults());
  }

  public InMemoryRingBuffer(RetentionPolicy retention) {
    this.retention = Objects.requireNonNull(retention, "retention");
  }

  @Override
  public CompletableFuture<Long> append(List<Envelope> batch) {
    long last;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the event log is closed"));
      }
      long bytes = 0;
      long[] sizes = new long[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        sizes[i] = EnvelopeCodec.encode(batch.get(i)).length;
        bytes += sizes[i];
      }
      if (unconsumedEvents() + batch.size() > retention.capacityEvents()
          || unconsumedBytes + bytes > retention.capacityBytes()) {
        return CompletableFuture.failedFuture(new BufferFullException(
            "the event log is at capacity; sinks are behind", Duration.ofSeconds(5)));
      }
      long now = System.currentTimeMillis();
      for (int i = 0; i < batch.size(); i++) {
        entries.addLast(new Entry(++lastSequence, batch.get(i), sizes[i], now));
      }
      unconsumedBytes += bytes;
      prune(now);
      last = lastSequence;
    }
    if (!batch.isEmpty()) {
      listeners.forEach(Runnable::run);
    }
    return CompletableFuture.completedFuture(last);
  }

  private long minCursor() {
    long min = lastSequence;
    for (String c : open) {
      min = Math.min(min, cursors.get(c));
    }
    return min;
  }

  private long unconsumedEvents() {
    return lastSequence - minCursor();
  }

  private void prune(long now) {
    long min = minCursor();
    long cutoff = now - retention.maxAge().toMillis();
    while (!entries.isEmpty()) {
      Entry first = entries.peekFirst();
      boolean consumed = first.sequence <= min;
      boolean tooMany = min - first.sequence >= retention.maxRetainedEvents();
      boolean tooOld = first.appendedAtMillis < cutoff;
      if (!consumed || !(tooMany || tooOld)) {
        return;
      }
      entries.removeFirst();
    }
  }

  @Override
  public synchronized List<LogRecord> read(long afterSequence, int max) {
    if (closed) {
      throw new IllegalStateException("the event log is closed");
    }
    List<LogRecord> out = new ArrayList<>();
    for (Iterator<Entry> it = entries.iterator(); it.hasNext() && out.size() < max; ) {
      Entry e = it.next();
      if (e.sequence > afterSequence) {
        out.add(new LogRecord(e.sequence, e.envelope));
      }
    }
    return out;
  }

  @Override
  public synchronized long openCursor(String consumer) {
    Long position = cursors.get(consumer);
    if (position == null) {
      position = entries.isEmpty() ? lastSequence : entries.peekFirst().sequence - 1;
      cursors.put(consumer, position);
    }
    open.add(consumer);
    recomputeUnconsumedBytes();
    return position;
  }

  @Override
  public CompletableFuture<Void> commit(String consumer, long upToSequence) {
    synchronized (this) {
      if (!open.contains(consumer)) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("cursor not open: " + consumer));
      }
      long target = Math.min(upToSequence, lastSequence);
      if (target > cursors.get(consumer)) {
        cursors.put(consumer, target);
        recomputeUnconsumedBytes();
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  private void recomputeUnconsumedBytes() {
    long min = minCursor();
    long bytes = 0;
    for (Entry e : entries) {
      if (e.sequence > min) {
        bytes += e.bytes;
      }
    }
    unconsumedBytes = bytes;
  }

  @Override
  public synchronized long lastSequence() {
    return lastSequence;
  }

  @Override
  public void onAppend(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public synchronized RingBufferStats stats() {
    long first = entries.isEmpty() ? 0 : entries.peekFirst().sequence;
    return new RingBufferStats(first, lastSequence, entries.size(), unconsumedEvents(), unconsumedBytes,
        retention.capacityEvents(), retention.capacityBytes());
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
