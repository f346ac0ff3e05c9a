package dev.eventkit.gcp.firestore;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.Timestamp;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.internal.json.Json;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Firestore sink against the Firestore emulator: what is stored, read back and compared; replays. */
class FirestoreSinkTest {

  private static FirestoreTesting store;

  @BeforeAll
  static void connect() {
    store = FirestoreTesting.connect();
  }

  @AfterAll
  static void disconnect() throws Exception {
    store.close();
  }

  private static FirestoreSink sink(String prefix) {
    return builder(prefix).build();
  }

  private static FirestoreSink.Builder builder(String prefix) {
    return FirestoreSink.builder(TestServers.projectId())
        .emulatorHost(TestServers.get("FIRESTORE_EMULATOR_HOST"))
        .collectionPrefix(prefix);
  }

  private static Envelope rich(String id, String stream) {
    return Envelope.builder().id(id).protocol("segment").stream(stream)
        .schema("iglu:com.acme/checkout/jsonschema/1-0-0")
        .payloadJson("{\"type\":\"track\",\"event\":\"Checkout\",\"userId\":\"u1\",\"properties\":{\"total\":12.5,"
            + "\"items\":[{\"sku\":\"a\",\"qty\":2},{\"sku\":\"b\",\"qty\":1}],\"coupon\":null,\"gift\":false,"
            + "\"count\":9007199254740993,\"note\":\"d\\u00e9j\\u00e0 vu\"}}")
        .contexts(List.of(new Entity("iglu:com.acme/page/jsonschema/1-0-0", "{\"url\":\"https://x.test/a\"}")))
        .sentAt(Instant.parse("2026-03-01T10:15:30.123456789Z"))
        .receivedAt(Instant.parse("2026-03-01T10:15:31.987654321Z"))
        .clientIp("203.0.113.9")
        .userAgent("test-agent/1.0")
        .validation(Validation.valid())
        .collector(new CollectorInfo("eventkit-test", "9.9.9"))
        .attribute("source", "unit")
        .build();
  }

  @Test
  void storesEachEnvelopeAsADocumentNamedByItsIdAndReadsItBackEqual() throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("rt");
    Envelope valid = rich("evt-1", "web");
    Envelope invalid = rich("evt-2", "web").toBuilder()
        .validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "does not match",
            List.of(new Violation("/properties/total", "type", "must be a string"))))
        .build();
    // Not a map in Firestore: an array directly inside an array, and a top-level array payload.
    Envelope nested = Envelopes.track("evt-3").toBuilder().stream("app")
        .payloadJson("{\"matrix\":[[1,2],[3,4]],\"big\":123456789012345678901234567890}").build();
    Envelope arrayPayload = Envelopes.track("evt-4").toBuilder().stream("app").payloadJson("[1,2,3]").build();
    List<Envelope> batch = List.of(valid, invalid, nested, arrayPayload);

    try (FirestoreSink sink = sink(prefix)) {
      WriteResult result = sink.write(batch).get(60, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).as(result.toString()).isTrue();
      assertThat(sink.collectionFor("web")).isEqualTo(prefix + "web");
    }

    Map<String, Map<String, Object>> web = store.documents(prefix + "web");
    Map<String, Map<String, Object>> app = store.documents(prefix + "app");
    assertThat(web.keySet()).containsExactlyInAnyOrder("evt-1", "evt-2");
    assertThat(app.keySet()).containsExactlyInAnyOrder("evt-3", "evt-4");

    // Payload and context data as JSON text, one field each (not indexed field by field); timestamps as timestamps.
    Map<String, Object> doc = web.get("evt-1");
    assertThat(doc.get("receivedAt")).isInstanceOf(Timestamp.class);
    Timestamp receivedAt = (Timestamp) doc.get("receivedAt");
    assertThat(Instant.ofEpochSecond(receivedAt.getSeconds(), receivedAt.getNanos()))
        .isEqualTo(FirestoreTesting.micros(valid.receivedAt()));
    assertThat(doc).doesNotContainKey("payload");
    assertThat(json((String) doc.get("payloadJson"))).isEqualTo(json(valid.payloadJson()));
    @SuppressWarnings("unchecked")
    Map<String, Object> context = (Map<String, Object>) ((List<?>) doc.get("contexts")).get(0);
    assertThat(context).containsOnlyKeys("schema", "dataJson");
    assertThat(app.get("evt-3")).containsKey("payloadJson").doesNotContainKey("payload");
    assertThat(app.get("evt-4").get("payloadJson")).isEqualTo("[1,2,3]");
    assertThat(((Map<?, ?>) web.get("evt-2").get("validation")).get("status")).isEqualTo("invalid");

    // Read back whole and compared: equal but for Firestore's microsecond timestamps; payloads compared as JSON.
    for (Envelope sent : batch) {
      Map<String, Object> stored = (sent.stream().equals("web") ? web : app).get(sent.id());
      Envelope back = FirestoreDocuments.toEnvelope(stored);
      Envelope expected = FirestoreTesting.asStored(sent);
      assertThat(json(back.payloadJson())).isEqualTo(json(expected.payloadJson()));
      assertThat(back.toBuilder().payloadJson(expected.payloadJson()).build()).isEqualTo(expected);
    }
  }

  @Test
  void payloadAsMapsStoresQueryableMapsAndEitherFormReadsBack() throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("maps");
    Envelope valid = rich("evt-1", "web");
    try (FirestoreSink sink = builder(prefix).payloadAsMaps(true).build()) {
      assertThat(sink.write(List.of(valid)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    Map<String, Object> doc = store.documents(prefix + "web").get("evt-1");
    @SuppressWarnings("unchecked")
    Map<String, Object> properties = (Map<String, Object>) ((Map<String, Object>) doc.get("payload"))
        .get("properties");
    assertThat(properties.get("total")).isEqualTo(12.5);
    assertThat(properties.get("count")).isEqualTo(9007199254740993L);
    assertThat(properties.get("items")).isInstanceOf(List.class);
    assertThat(doc).doesNotContainKey("payloadJson");
    Map<?, ?> context = (Map<?, ?>) ((List<?>) doc.get("contexts")).get(0);
    assertThat(context.get("data")).isInstanceOf(Map.class);

    // A document of the map form (as every document stored before JSON text became the default) and one of the
    // text form read back as the same envelope.
    Envelope expected = FirestoreTesting.asStored(valid);
    try (FirestoreSink sink = sink(prefix)) {
      assertThat(sink.write(List.of(valid.toBuilder().stream("text").build())).get(60, TimeUnit.SECONDS)
          .isSuccess()).isTrue();
    }
    Envelope fromMaps = FirestoreDocuments.toEnvelope(doc);
    Envelope fromText = FirestoreDocuments.toEnvelope(store.documents(prefix + "text").get("evt-1"));
    assertThat(json(fromMaps.payloadJson())).isEqualTo(json(expected.payloadJson()));
    assertThat(json(fromText.payloadJson())).isEqualTo(json(expected.payloadJson()));
    assertThat(fromMaps.toBuilder().payloadJson(expected.payloadJson()).build()).isEqualTo(expected);
    assertThat(fromText.toBuilder().stream("web").payloadJson(expected.payloadJson()).build()).isEqualTo(expected);
  }

  private static JsonNode json(String text) {
    return Json.read(text);
  }

  @Test
  void replaysOverwriteTheSameDocumentInsteadOfAddingOne() throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("replay");
    List<Envelope> batch = Envelopes.tracks("r-", 120);
    try (FirestoreSink sink = sink(prefix)) {
      assertThat(sink.write(batch).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      // The same events again (a redelivery), once more in one batch with a duplicate, and a changed copy.
      assertThat(sink.write(batch).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      List<Envelope> withDuplicates = new ArrayList<>(batch.subList(0, 10));
      withDuplicates.addAll(batch.subList(0, 10));
      assertThat(sink.write(withDuplicates).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      Envelope changed = batch.get(0).toBuilder().payloadJson("{\"type\":\"track\",\"event\":\"again\"}").build();
      assertThat(sink.write(List.of(changed)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    Map<String, Map<String, Object>> docs = store.documents(prefix + "default");
    assertThat(docs).hasSize(120);
    assertThat(docs.keySet()).containsExactlyInAnyOrderElementsOf(FirestoreTesting.ids(batch));
    assertThat(FirestoreDocuments.toEnvelope(docs.get("r-0")).payload().get("event").asText()).isEqualTo("again");
  }

  @Test
  void idsFirestoreForbidsAreEscapedAndStayDistinct() throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("ids");
    List<String> ids = List.of("a/b", "a%2Fb", "..", ".", "__x__", "", "plain-id", "%");
    List<Envelope> batch = new ArrayList<>();
    for (String id : ids) {
      batch.add(Envelopes.track("x").toBuilder().id(id).build());
    }
    try (FirestoreSink sink = sink(prefix)) {
      WriteResult result = sink.write(batch).get(60, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).as(result.toString()).isTrue();
    }
    Map<String, Map<String, Object>> docs = store.documents(prefix + "default");
    assertThat(docs).hasSize(ids.size());
    List<String> storedIds = new ArrayList<>();
    for (Map<String, Object> d : docs.values()) {
      storedIds.add((String) d.get("id"));
    }
    assertThat(storedIds).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(docs).containsKey("plain-id");
  }

  @Test
  void aDocumentFirestoreRefusesIsIsolatedAndDeadLetteredWhileItsNeighboursLand(@TempDir Path dir)
      throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("big");
    String huge = "x".repeat(1_100_000); // over Firestore's 1 MiB document limit
    Envelope tooBig = Envelopes.track("too-big").toBuilder().payloadJson("{\"blob\":\"" + huge + "\"}").build();
    List<Envelope> batch = new ArrayList<>(Envelopes.tracks("ok-", 6));
    batch.add(3, tooBig);

    try (FirestoreSink sink = sink(prefix)) {
      // Alone, the refusal is the document's own and permanent.
      WriteResult alone = sink.write(List.of(tooBig)).get(60, TimeUnit.SECONDS);
      assertThat(alone.failureOf(0)).isNotNull();
      assertThat(alone.failureOf(0).retryable()).as(alone.failureOf(0).reason()).isFalse();
      // In a batch, the sink refuses the batch as a whole for good, so that the pipeline splits it.
      WriteResult mixed = sink.write(batch).get(60, TimeUnit.SECONDS);
      assertThat(mixed.batchFailure()).isNotNull();
      assertThat(mixed.batchFailure().retryable()).isFalse();
    }

    InMemorySink deadLetters = new InMemorySink("dead-letters");
    try (Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .sink(sink(prefix + "p_"))
        .deadLetterSink(deadLetters)
        .build().start()) {
      pipeline.collect(batch).get(30, TimeUnit.SECONDS);
      deadLetters.awaitCount(1, Duration.ofSeconds(60));
      assertThat(flushed(pipeline, Duration.ofSeconds(60))).isTrue();
    }
    assertThat(FirestoreTesting.ids(deadLetters.envelopes())).containsExactly("too-big");
    assertThat(deadLetters.envelopes().get(0).attributes()).containsEntry("deadLetter.sink", "firestore");
    assertThat(store.documents(prefix + "p_default").keySet())
        .containsExactlyInAnyOrder("ok-0", "ok-1", "ok-2", "ok-3", "ok-4", "ok-5");
  }

  @Test
  void aPipelineDeliversThroughItsLogToFirestore(@TempDir Path dir) throws Exception {
    String prefix = FirestoreTesting.uniquePrefix("pipe");
    List<Envelope> events = Envelopes.tracks("p-", 700);
    try (Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .sink(sink(prefix))
        .batchSize(250)
        .build().start()) {
      for (int i = 0; i < events.size(); i += 100) {
        pipeline.collect(events.subList(i, i + 100)).get(30, TimeUnit.SECONDS);
      }
      assertThat(flushed(pipeline, Duration.ofSeconds(60))).isTrue();
      assertThat(pipeline.status().sinks().get(0).delivered()).isEqualTo(700);
    }
    assertThat(store.documents(prefix + "default").keySet())
        .containsExactlyInAnyOrderElementsOf(FirestoreTesting.ids(events));
  }
}
