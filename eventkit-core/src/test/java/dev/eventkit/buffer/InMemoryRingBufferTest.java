package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryRingBufferTest extends RingBufferContract {

  @Override
  RingBuffer create(RetentionPolicy retention) {
    return new InMemoryRingBuffer(retention);
  }

  @Override
  void prune(RingBuffer log) {
    // Retention runs on each append.
  }

  @Override
  void corrupt(RingBuffer log, long sequence, byte[] stored) {
    assertThat(((InMemoryRingBuffer) log).overwrite(sequence, stored)).isTrue();
  }
}
