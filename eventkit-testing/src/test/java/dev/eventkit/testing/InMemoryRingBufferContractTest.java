package dev.eventkit.testing;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;

/** {@link InMemoryRingBuffer} keeps the log contract. */
class InMemoryRingBufferContractTest extends RingBufferContract {

  @Override
  protected RingBuffer create(RetentionPolicy retention) {
    return new InMemoryRingBuffer(retention);
  }

  @Override
  protected void prune(RingBuffer log) {
    // Retention runs on each append.
  }
}
