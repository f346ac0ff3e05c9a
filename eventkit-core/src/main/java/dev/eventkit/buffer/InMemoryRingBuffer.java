package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A log held in memory, with the same semantics as {@link SqliteRingBuffer} (sequences, cursors, retention,
 * capacity, the envelope's wire form) but no durability: what it holds is gone when the process ends. For tests and
 * for hosts that accept that loss. It stores each envelope encoded, as the durable log does, and decodes it on every
 * read, so an envelope that would not survive the durable log does not survive this one either.
 *
 * <p>Thread-safe: every method synchronises on the instance. Retention runs on each append. {@link #append} returns
 * an already completed future, so its dependent actions run on the thread that attaches them; append listeners
 * run on the appending thread after the append. The log never fails for lack of storage: its health is always OK.
 */
public final class InMemoryRingBuffer implements RingBuffer {

  private final RetentionPolicy retention;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private final Map<String, Long> cursors = new HashMap<>();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private long lastSequence;
  private long unconsumedBytes;
  private boolean closed;

  private static final class Entry {
    final long sequence;
    final long appendedAtMillis;
    byte[] encoded;

    Entry(long sequence, byte[] encoded, long appendedAtMillis) {
      this.sequence = sequence;
      this.encoded = encoded;
      this.appendedAtMillis = appendedAtMillis;
    }
  }

  public InMemoryRingBuffer() {
    this(RetentionPolicy.defaults());
  }

  public InMemoryRingBuffer(RetentionPolicy retention) {
    this.retention = Objects.requireNonNull(retention, "retention");
  }

  @Override
  public CompletableFuture<Long> append(List<Envelope> batch) {
    Objects.requireNonNull(batch, "batch");
    List<byte[]> rows = new ArrayList<>(batch.size());
    long bytes = 0;
    for (Envelope e : batch) {
      byte[] encoded = EnvelopeCodec.encode(e);
      rows.add(encoded);
      bytes += encoded.length;
    }
    long last;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the event log is closed"));
      }
      if (rows.size() > retention.capacityEvents() || bytes > retention.capacityBytes()) {
        return CompletableFuture.failedFuture(new BatchTooLargeException(rows.size(), bytes,
            retention.capacityEvents(), retention.capacityBytes()));
      }
      if (unconsumedEvents() + rows.size() > retention.capacityEvents()
          || unconsumedBytes + bytes > retention.capacityBytes()) {
        return CompletableFuture.failedFuture(new BufferFullException(
            "the event log is at capacity; sinks are behind", Duration.ofSeconds(5)));
      }
      long now = System.currentTimeMillis();
      for (byte[] row : rows) {
        entries.addLast(new Entry(++lastSequence, row, now));
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

  /** The lowest cursor; with no cursor at all, nothing is consumed. */
  private long minCursor() {
    long min = entries.isEmpty() ? lastSequence : entries.peekFirst().sequence - 1;
    if (cursors.isEmpty()) {
      return min;
    }
    min = lastSequence;
    for (long c : cursors.values()) {
      min = Math.min(min, c);
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
  public List<LogRecord> read(long afterSequence, int max) {
    List<Entry> found = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the event log is closed");
      }
      for (Iterator<Entry> it = entries.iterator(); it.hasNext() && found.size() < max;) {
        Entry e = it.next();
        if (e.sequence > afterSequence) {
          found.add(e);
          bodies.add(e.encoded);
        }
      }
    }
    List<LogRecord> out = new ArrayList<>(found.size());
    for (int i = 0; i < found.size(); i++) {
      out.add(RecordDecoder.decode(found.get(i).sequence, bodies.get(i)));
    }
    return out;
  }

  @Override
  public synchronized long openCursor(String consumer) {
    Objects.requireNonNull(consumer, "consumer");
    Long position = cursors.get(consumer);
    if (position == null) {
      position = entries.isEmpty() ? lastSequence : entries.peekFirst().sequence - 1;
      cursors.put(consumer, position);
      recomputeUnconsumedBytes();
    }
    return position;
  }

  @Override
  public CompletableFuture<Void> commit(String consumer, long upToSequence) {
    synchronized (this) {
      Long current = cursors.get(consumer);
      if (current == null) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("cursor not open: " + consumer));
      }
      long target = Math.min(upToSequence, lastSequence);
      if (target > current) {
        cursors.put(consumer, target);
        recomputeUnconsumedBytes();
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> dropCursor(String consumer) {
    synchronized (this) {
      if (cursors.remove(Objects.requireNonNull(consumer, "consumer")) != null) {
        recomputeUnconsumedBytes();
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized Map<String, Long> cursors() {
    return Collections.unmodifiableMap(new TreeMap<>(cursors));
  }

  private void recomputeUnconsumedBytes() {
    long min = minCursor();
    long bytes = 0;
    for (Entry e : entries) {
      if (e.sequence > min) {
        bytes += e.encoded.length;
      }
    }
    unconsumedBytes = bytes;
  }

  /** Replaces a record's stored bytes, to test how readers meet a damaged record; false if it is not held. */
  synchronized boolean overwrite(long sequence, byte[] encoded) {
    for (Entry e : entries) {
      if (e.sequence == sequence) {
        e.encoded = encoded.clone();
        return true;
      }
    }
    return false;
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
        retention.capacityEvents(), retention.capacityBytes(), LogHealth.ok());
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
