package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * The latest committed records of a log, kept as the envelopes that were appended, so that consumers keeping up
 * with intake read them without a query and without decoding: each sink of a pipeline reads every record, and
 * decoding them was the largest part of delivery's cost.
 *
 * <p>Only what is committed is added, in sequence order; a gap (a failed group, a reset) clears it, so it always
 * holds one contiguous run of sequences ending at the newest committed one. Bounded by records and by encoded bytes;
 * the oldest go first. What it answers is exactly what the log stores: the envelope an append encoded is the one
 * a decode of its row would give. Thread-safe (one monitor; its sections are short and allocation-light).
 */
final class TailCache {

  private final Envelope[] ring;
  private final int[] sizes;
  private final long maxBytes;
  /** Sequence of the oldest record held; {@code first > last} when empty. */
  private long first = 1;
  private long last;
  private long bytes;

  TailCache(int maxRecords, long maxBytes) {
    this.ring = new Envelope[maxRecords];
    this.sizes = new int[maxRecords];
    this.maxBytes = maxBytes;
  }

  /** Adds committed records {@code firstSequence, firstSequence + 1, …}; a gap before them clears what was held. */
  synchronized void add(long firstSequence, List<Envelope> envelopes, List<byte[]> rows) {
    if (firstSequence != last + 1) {
      clear(firstSequence);
    }
    for (int i = 0; i < envelopes.size(); i++) {
      long seq = firstSequence + i;
      int size = rows.get(i).length;
      while (last - first + 1 >= ring.length || first <= last && bytes + size > maxBytes) {
        evictOldest();
      }
      int slot = slot(seq);
      ring[slot] = envelopes.get(i);
      sizes[slot] = size;
      bytes += size;
      last = seq;
    }
  }

  /**
   * Up to {@code max} records after {@code afterSequence}, or null when the cache cannot answer: the next record
   * is older than what it holds, or newer than the newest it holds (the caller asks the store, which knows).
   */
  synchronized List<LogRecord> read(long afterSequence, int max) {
    long from = afterSequence + 1;
    if (from < first || from > last || max < 1) {
      return null;
    }
    long to = Math.min(last, from + max - 1);
    List<LogRecord> out = new ArrayList<>((int) (to - from + 1));
    for (long seq = from; seq <= to; seq++) {
      out.add(new LogRecord(seq, ring[slot(seq)]));
    }
    return out;
  }

  /** Forgets the records up to {@code sequence}, which the store no longer holds either. */
  synchronized void dropThrough(long sequence) {
    while (first <= last && first <= sequence) {
      evictOldest();
    }
  }

  /** Forgets everything; the next add starts a new run. */
  synchronized void clear() {
    clear(last + 1);
  }

  private void clear(long next) {
    java.util.Arrays.fill(ring, null);
    first = next;
    last = next - 1;
    bytes = 0;
  }

  private void evictOldest() {
    int slot = slot(first);
    ring[slot] = null;
    bytes -= sizes[slot];
    first++;
  }

  private int slot(long seq) {
    return (int) Math.floorMod(seq, (long) ring.length);
  }
}
