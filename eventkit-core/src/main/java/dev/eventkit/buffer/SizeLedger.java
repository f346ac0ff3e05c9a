package dev.eventkit.buffer;

/**
 * Running totals of record sizes by sequence over the most recent records of the log, so that the bytes between two
 * recent sequences are one subtraction instead of a scan of the log's rows. It keeps a fixed window of totals
 * (8 bytes each); older ones are overwritten and {@link #lowest()} says from where it knows them.
 *
 * <p>Not thread-safe: the log's writer thread owns it.
 */
final class SizeLedger {

  private final long[] totals;
  private final int mask;
  private long lowest;
  private long highest;

  /** A ledger of {@code window} totals (a power of two) whose origin is {@code sequence}. */
  SizeLedger(int window, long sequence) {
    if (Integer.bitCount(window) != 1) {
      throw new IllegalArgumentException("window must be a power of two");
    }
    totals = new long[window];
    mask = window - 1;
    reset(sequence);
  }

  /** Forgets every total: {@code sequence} becomes the origin, the only sequence known. */
  void reset(long sequence) {
    lowest = sequence;
    highest = sequence;
    totals[slot(sequence)] = 0;
  }

  /** Records the next sequence, {@link #highest()} + 1, with its size. */
  void add(int size) {
    long total = totals[slot(highest)] + size;
    highest++;
    totals[slot(highest)] = total;
    if (highest - lowest >= totals.length) {
      lowest = highest - totals.length + 1;
    }
  }

  /** The lowest sequence whose total is known. */
  long lowest() {
    return lowest;
  }

  /** The last sequence recorded. */
  long highest() {
    return highest;
  }

  /** The bytes of the records after {@code from} up to and including {@code to}; both must be known. */
  long bytesBetween(long from, long to) {
    if (from < lowest || to > highest || from > to) {
      throw new IllegalArgumentException("not in the ledger: (" + from + ", " + to + "]");
    }
    return totals[slot(to)] - totals[slot(from)];
  }

  private int slot(long sequence) {
    return (int) (sequence & mask);
  }
}
