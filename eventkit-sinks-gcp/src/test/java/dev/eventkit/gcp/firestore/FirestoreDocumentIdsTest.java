package dev.eventkit.gcp.firestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hashed document ids: event ids that grow monotonically (time-based ids such as UUIDv7 or
 * {@code ajs-next-<timestamp>}) would put every write at the end of one key range, a hot spot Firestore's best
 * practices warn about. With {@code hashedDocumentIds(true)} the documents the client sends (recorded by
 * {@link FakeFirestoreApi}) carry a hash of the event id, spread over the key space, and the same event maps to the
 * same document (replays stay idempotent).
 */
class FirestoreDocumentIdsTest {

  private static Envelope event(String id) {
    return Envelope.builder().id(id).protocol("segment").stream("web").payloadJson("{\"type\":\"track\"}")
        .receivedAt(Instant.parse("2026-06-01T12:00:00Z")).collector(new CollectorInfo("eventkit-test", "0.1"))
        .validation(Validation.valid()).build();
  }

  private static String documentId(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  @Test
  void monotonicEventIdsBecomeSpreadDocumentIdsAndAReplayHitsTheSameDocument() throws Exception {
    List<Envelope> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(event("ajs-next-17800000000" + String.format("%02d", i)));
    }
    try (FakeFirestoreApi fake = new FakeFirestoreApi(0);
        FirestoreSink sink = FirestoreSink.builder("test-project").emulatorHost(fake.address())
            .hashedDocumentIds(true).build()) {
      assertThat(sink.write(batch).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      List<String> ids = fake.written().stream().map(FirestoreDocumentIdsTest::documentId).toList();
      assertThat(ids).hasSize(20).doesNotHaveDuplicates()
          .noneMatch(id -> id.startsWith("ajs-next")).allMatch(id -> id.matches("[0-9a-f]{32}"));
      assertThat(ids).as("not in the events' order").isNotEqualTo(ids.stream().sorted().toList());
      assertThat(sink.documentFor(batch.get(0)).getId()).isEqualTo(ids.get(0));

      assertThat(sink.write(batch.subList(0, 1)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(documentId(fake.written().get(20))).as("a replay sets the same document").isEqualTo(ids.get(0));
    }
  }
}
