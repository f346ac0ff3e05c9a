package dev.eventkit.buffer;

import dev.eventkit.testing.RingBufferContract;

/**
 * {@link InMemoryRingBuffer} keeps the log contract. In the log's package, to damage a stored record through the
 * log's own test hook.
 */
class InMemoryRingBufferContractTest extends RingBufferContract {

  @Override
  protected RingBuffer create(RetentionPolicy retention) {
    return new InMemoryRingBuffer(retention);
  }

  @Override
  protected void prune(RingBuffer log) {
    // Retention runs on each append.
  }

  @Override
  protected boolean corrupt(RingBuffer log, long sequence, byte[] stored) {
    return ((InMemoryRingBuffer) log).overwrite(sequence, stored);
  }
}
