package dev.eventkit.gcp.firestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.sink.WriteResult;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One retry policy for Firestore writes: the pipeline's. The client library retries {@code BatchWrite} on its own
 * by default (UNAVAILABLE, for up to a minute), which the emulator never shows; against {@link FakeFirestoreApi}
 * (the real client library, a loopback server answering UNAVAILABLE once) the sink must make one call and report
 * the failure as retryable, leaving the retry to the dispatcher.
 */
class FirestoreRetriesTest {

  @Test
  void anUnavailableBatchWriteIsReportedRetryableWithoutTheClientRetryingItself() throws Exception {
    Envelope e = Envelope.builder().id("r-1").protocol("segment").stream("web").payloadJson("{\"type\":\"track\"}")
        .receivedAt(Instant.parse("2026-06-01T12:00:00Z")).collector(new CollectorInfo("eventkit-test", "0.1"))
        .validation(Validation.valid()).build();
    try (FakeFirestoreApi fake = new FakeFirestoreApi(1);
        FirestoreSink sink = FirestoreSink.builder("test-project").emulatorHost(fake.address()).build()) {
      WriteResult first = sink.write(List.of(e)).get(60, TimeUnit.SECONDS);
      assertThat(first.isSuccess()).isFalse();
      assertThat(first.failureOf(0).retryable()).isTrue();
      assertThat(fake.calls()).as("no retry inside the client").isEqualTo(1);

      assertThat(sink.write(List.of(e)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(fake.calls()).isEqualTo(2);
    }
  }
}
