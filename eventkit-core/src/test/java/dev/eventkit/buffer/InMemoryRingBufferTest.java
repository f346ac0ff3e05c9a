package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.testing.Envelopes;
import java.util.List;
import org.junit.jupiter.api.Test;

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

  @Test
  void recordsAreStoredInTheirWireFormAndDecodedOnEveryRead() {
    Envelope written = Envelopes.track("a");
    try (RingBuffer log = create(RetentionPolicy.defaults())) {
      log.append(List.of(written)).join();
      Envelope first = log.read(0, 1).get(0).envelope();
      Envelope second = log.read(0, 1).get(0).envelope();
      assertThat(first).isEqualTo(written).isNotSameAs(written).isNotSameAs(second);
      assertThat(log.stats().unconsumedBytes()).isEqualTo(dev.eventkit.event.EnvelopeCodec.encode(written).length);
    }
  }
}
