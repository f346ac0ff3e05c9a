package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.testing.Envelopes;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What only the in-memory log does; the behaviour all logs share is eventkit-testing's {@code RingBufferContract},
 * which that module's tests run against this log.
 */
class InMemoryRingBufferTest {

  @Test
  void recordsAreStoredInTheirWireFormAndDecodedOnEveryRead() {
    Envelope written = Envelopes.track("a");
    try (RingBuffer log = new InMemoryRingBuffer(RetentionPolicy.defaults())) {
      log.append(List.of(written)).join();
      Envelope first = log.read(0, 1).get(0).envelope();
      Envelope second = log.read(0, 1).get(0).envelope();
      assertThat(first).isEqualTo(written).isNotSameAs(written).isNotSameAs(second);
      assertThat(log.stats().unconsumedBytes()).isEqualTo(dev.eventkit.event.EnvelopeCodec.encode(written).length);
    }
  }
}
