package dev.eventkit.gcp.firestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One long-lived, throttled BulkWriter per sink. Firestore asks a new write load to start at 500 operations per
 * second and ramp up (the "500/50/5" rule); the client's BulkWriter does exactly that when throttling is on, but
 * only across the writes of one writer. Against {@link FakeFirestoreApi} (the real client library, a loopback
 * server recording when each {@code BatchWrite} arrives), 1,350 documents written in three batches in a row take
 * more than a second to send; a writer per batch, or throttling off, sends them all at once.
 */
class FirestoreWriterTest {

  private static List<Envelope> events(String prefix, int n) {
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Envelope.builder().id(prefix + i).protocol("segment").stream("web").payloadJson("{\"type\":\"track\"}")
          .receivedAt(Instant.parse("2026-06-01T12:00:00Z")).collector(new CollectorInfo("eventkit-test", "0.1"))
          .validation(Validation.valid()).build());
    }
    return out;
  }

  @Test
  void batchesInARowShareOneWritersThrottle() throws Exception {
    try (FakeFirestoreApi fake = new FakeFirestoreApi(0);
        FirestoreSink sink = FirestoreSink.builder("test-project").emulatorHost(fake.address()).build()) {
      // The client's first call warms the connection, so that the time measured is the writer's own.
      assertThat(sink.write(events("warm-", 1)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      int before = fake.calls();
      List<CompletableFuture<WriteResult>> results = new ArrayList<>();
      for (int b = 0; b < 3; b++) {
        results.add(sink.write(events("b" + b + "-", 450)));
      }
      for (CompletableFuture<WriteResult> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      assertThat(fake.written()).hasSize(1 + 1350);
      List<Long> nanos = fake.callNanos().subList(before, fake.calls());
      Duration spread = Duration.ofNanos(nanos.get(nanos.size() - 1) - nanos.get(0));
      // 1,350 writes at 500 per second, with 500 allowed at once: the last is sent about 1.7 s after the first.
      assertThat(spread).as("time from the first to the last BatchWrite").isGreaterThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void closingTheSinkSendsWhatTheWriterStillHolds() throws Exception {
    FakeFirestoreApi fake = new FakeFirestoreApi(0);
    try (fake) {
      FirestoreSink sink = FirestoreSink.builder("test-project").emulatorHost(fake.address()).build();
      // 900 writes: about 400 still wait for the throttle when the sink is closed.
      CompletableFuture<WriteResult> result = sink.write(events("c-", 900));
      sink.close();
      assertThat(result.get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(fake.written()).hasSize(900);
    }
  }
}
