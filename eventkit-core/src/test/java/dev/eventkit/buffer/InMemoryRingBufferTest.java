package dev.eventkit.buffer;

class InMemoryRingBufferTest extends RingBufferContract {

  @Override
  RingBuffer create(RetentionPolicy retention) {
    return new InMemoryRingBuffer(retention);
  }

  @Override
  void prune(RingBuffer log) {
    // Retention runs on each append.
  }
}
