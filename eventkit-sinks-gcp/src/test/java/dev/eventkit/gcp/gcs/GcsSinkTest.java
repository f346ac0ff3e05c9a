package dev.eventkit.gcp.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The GCS sink against fake-gcs-server: objects, names, partitions, read-back, replays, buffering. */
class GcsSinkTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:59:58.123456Z");
  private static final Instant MIDNIGHT = Instant.parse("2026-03-02T00:00:00.123456Z");
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static Storage storage;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
  }

  @AfterAll
  static void closeClient() throws Exception {
    storage.close();
  }

  /** The start of hour {@code h} of a day: events a second apart from here stay in one partition. */
  private static Instant hour(int h) {
    return MIDNIGHT.plusSeconds(3600L * h);
  }

  private static String newBucket() {
    return "gcs-sink-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
  }

  private static GcsSink.Builder sink(String bucket) {
    return GcsSink.builder(bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ZERO);
  }

  /** Envelopes with every field set, received one second apart from {@code start}. */
  static List<Envelope> envelopes(String prefix, int count, Instant start) {
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Envelope.Builder b = Envelope.builder().id(prefix + i).protocol("segment").stream("web")
          .schema("iglu:com.acme/click/jsonschema/1-0-0")
          .payloadJson("{\"type\":\"track\",\"event\":\"click\",\"n\":" + i + ",\"f\":1.5,\"ok\":true}")
          .contexts(List.of(new Entity("iglu:com.acme/ctx/jsonschema/1-0-0", "{\"k\":\"v" + i + "\"}")))
          .sentAt(start.minusSeconds(1)).receivedAt(start.plusSeconds(i))
          .clientIp("203.0.113." + (i % 250)).userAgent("test-agent/1.0")
          .collector(new CollectorInfo("eventkit-test", "0.1"))
          .attribute("source", "unit");
      if (i % 3 == 2) {
        b.validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "bad n",
            List.of(new Violation("/n", "type", "expected string"))));
      } else {
        b.validation(Validation.valid());
      }
      out.add(b.build());
    }
    return out;
  }

  static List<Blob> objects(Storage storage, String bucket, String prefix) {
    List<Blob> out = new ArrayList<>();
    storage.list(bucket, Storage.BlobListOption.prefix(prefix)).iterateAll().forEach(out::add);
    return out;
  }

  static List<Envelope> readAll(Storage storage, String bucket, String prefix, GcsFormat format) {
    List<Envelope> out = new ArrayList<>();
    for (Blob b : objects(storage, bucket, prefix)) {
      out.addAll(GcsObjects.read(storage, b.getBlobId(), format));
    }
    return out;
  }

  private static WriteResult write(GcsSink sink, List<Envelope> batch) throws Exception {
    return sink.write(batch).get(30, TimeUnit.SECONDS);
  }

  @Test
  void writesGzipNdjsonObjectsPartitionedByReceiveHourAndReadsThemBack() throws Exception {
    String bucket = newBucket();
    List<Envelope> sent = envelopes("a", 5, T0); // 10:59:58, 10:59:59, 11:00:00, …
    try (GcsSink sink = sink(bucket).build()) {
      assertThat(write(sink, sent).isSuccess()).isTrue();
    }
    List<Blob> blobs = objects(storage, bucket, "events/");
    assertThat(blobs).extracting(Blob::getName).hasSize(2).allSatisfy(name -> assertThat(name).matches(
        "events/dt=2026-03-01/hr=1[01]/[0-9a-f]{16}-[0-9a-f]{32}\\.ndjson\\.gz"));
    assertThat(blobs).allSatisfy(b -> {
      assertThat(b.getContentEncoding()).isEqualTo("gzip");
      assertThat(b.getMetadata()).containsEntry(GcsFormat.METADATA_KEY, "envelope-v1");
    });
    List<Envelope> hour10 = readAll(storage, bucket, "events/dt=2026-03-01/hr=10/", GcsFormat.envelopes());
    List<Envelope> hour11 = readAll(storage, bucket, "events/dt=2026-03-01/hr=11/", GcsFormat.envelopes());
    assertThat(hour10).containsExactlyElementsOf(sent.subList(0, 2));
    assertThat(hour11).containsExactlyElementsOf(sent.subList(2, 5));
    // The stored bytes really are gzip (downloads may be transcoded, so fetch the raw bytes).
    byte[] raw = storage.readAllBytes(blobs.get(0).getBlobId(),
        Storage.BlobSourceOption.shouldReturnRawInputStream(true));
    assertThat(raw[0] & 0xff).isEqualTo(0x1f);
    assertThat(raw[1] & 0xff).isEqualTo(0x8b);
  }

  @Test
  void theSameBatchWrittenAgainLeavesTheSameObjectsEvenFromANewSinkAndWithoutReplayChecks() throws Exception {
    String bucket = newBucket();
    List<Envelope> batch = envelopes("b", 4, hour(1));
    List<String> first;
    try (GcsSink sink = sink(bucket).build()) {
      assertThat(write(sink, batch).isSuccess()).isTrue();
      first = objects(storage, bucket, "").stream().map(Blob::getName).toList();
      assertThat(write(sink, batch).isSuccess()).isTrue();
    }
    try (GcsSink restarted = sink(bucket).dedupeReplays(false).build()) {
      assertThat(write(restarted, batch).isSuccess()).isTrue();
    }
    assertThat(objects(storage, bucket, "")).extracting(Blob::getName).containsExactlyInAnyOrderElementsOf(first);
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes())).containsExactlyElementsOf(batch);
  }

  @Test
  void aReplayCutDifferentlyAfterARestartStoresEveryEventOnce() throws Exception {
    String bucket = newBucket();
    List<Envelope> log = envelopes("c", 20, hour(2));
    try (GcsSink before = sink(bucket).build()) {
      // Before the "crash": three batches in flight, written, but their cursor never committed.
      assertThat(write(before, log.subList(0, 3)).isSuccess()).isTrue();
      assertThat(write(before, log.subList(3, 9)).isSuccess()).isTrue();
      assertThat(write(before, log.subList(9, 12)).isSuccess()).isTrue();
    }
    try (GcsSink after = sink(bucket).build()) {
      // After the restart the log re-reads from the cursor in one larger batch, then continues.
      assertThat(write(after, log.subList(0, 15)).isSuccess()).isTrue();
      assertThat(write(after, log.subList(15, 20)).isSuccess()).isTrue();
    }
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes())).extracting(Envelope::id)
        .containsExactlyInAnyOrderElementsOf(log.stream().map(Envelope::id).toList());
    assertThat(objects(storage, bucket, "events/")).hasSize(5);
  }

  @Test
  void aReplayCutInsideAnEarlierLargerObjectStoresNothingTwice() throws Exception {
    String bucket = newBucket();
    List<Envelope> log = envelopes("d", 13, hour(3));
    try (GcsSink before = sink(bucket).build()) {
      assertThat(write(before, log.subList(0, 10)).isSuccess()).isTrue();
    }
    try (GcsSink after = sink(bucket).build()) {
      // Smaller batches after the restart: the first finds the earlier object, the next ones are inside it.
      assertThat(write(after, log.subList(0, 4)).isSuccess()).isTrue();
      assertThat(write(after, log.subList(4, 8)).isSuccess()).isTrue();
      assertThat(write(after, log.subList(8, 13)).isSuccess()).isTrue();
    }
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes())).extracting(Envelope::id)
        .containsExactlyInAnyOrderElementsOf(log.stream().map(Envelope::id).toList());
    assertThat(objects(storage, bucket, "events/")).hasSize(2);
  }

  @Test
  void withoutReplayChecksADifferentlyCutReplayRepeatsEvents() throws Exception {
    // The documented price of dedupeReplays(false): only identical replays are free.
    String bucket = newBucket();
    List<Envelope> log = envelopes("e", 6, hour(4));
    try (GcsSink sink = sink(bucket).dedupeReplays(false).build()) {
      assertThat(write(sink, log.subList(0, 3)).isSuccess()).isTrue();
      assertThat(write(sink, log).isSuccess()).isTrue();
    }
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes())).hasSize(9);
  }

  @Test
  void heldWritesShareOneObjectWhenTheSizeLimitIsReached() throws Exception {
    String bucket = newBucket();
    List<Envelope> events = envelopes("f", 6, hour(5));
    try (GcsSink sink = sink(bucket).linger(Duration.ofSeconds(30)).maxBufferedEvents(6).build()) {
      CompletableFuture<WriteResult> a = sink.write(events.subList(0, 2));
      CompletableFuture<WriteResult> b = sink.write(events.subList(2, 4));
      assertThat(storage.get(bucket)).as("nothing written yet, so the bucket was not even created").isNull();
      assertThat(a).isNotDone();
      CompletableFuture<WriteResult> c = sink.write(events.subList(4, 6));
      assertThat(List.of(a, b, c)).allSatisfy(f -> assertThat(f.get(20, TimeUnit.SECONDS).isSuccess()).isTrue());
    }
    assertThat(objects(storage, bucket, "events/")).hasSize(1);
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes())).containsExactlyElementsOf(events);
  }

  @Test
  void heldWritesAreWrittenWhenTheLingerTimeEndsOrOnFlush() throws Exception {
    String bucket = newBucket();
    List<Envelope> events = envelopes("g", 4, hour(6));
    try (GcsSink sink = sink(bucket).linger(Duration.ofMillis(300)).build()) {
      CompletableFuture<WriteResult> a = sink.write(events.subList(0, 2));
      CompletableFuture<WriteResult> b = sink.write(events.subList(2, 3));
      assertThat(a.get(20, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(b.get(20, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    assertThat(objects(storage, bucket, "events/")).hasSize(1);
    try (GcsSink sink = sink(bucket).linger(Duration.ofSeconds(30)).build()) {
      CompletableFuture<WriteResult> c = sink.write(events.subList(3, 4));
      sink.flush().get(20, TimeUnit.SECONDS);
      assertThat(c).isCompletedWithValueMatching(WriteResult::isSuccess);
    }
    assertThat(readAll(storage, bucket, "events/", GcsFormat.envelopes()))
        .containsExactlyInAnyOrderElementsOf(events);
  }

  @Test
  void aMissingBucketIsRetryableWhenTheSinkMayNotCreateIt() throws Exception {
    String bucket = newBucket();
    try (GcsSink sink = sink(bucket).createBucket(false).build()) {
      WriteResult r = write(sink, envelopes("h", 2, T0));
      assertThat(r.isSuccess()).isFalse();
      assertThat(r.batchFailure().retryable()).isTrue();
      assertThat(r.batchFailure().reason()).contains("404");
    }
    assertThat(storage.get(bucket)).isNull();
  }

  @Test
  void builderNamesWhatIsWrong() {
    assertThatThrownBy(() -> GcsSink.builder("Bad_Bucket").build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> GcsSink.builder("b-ok").prefix("/x").build()).hasMessageContaining("prefix");
    assertThatThrownBy(() -> GcsSink.builder("b-ok").linger(Duration.ofMinutes(2)).build())
        .hasMessageContaining("linger");
    assertThatThrownBy(() -> GcsSink.builder("b-ok").storage(storage).emulatorHost("localhost:1").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("either");
  }
}
