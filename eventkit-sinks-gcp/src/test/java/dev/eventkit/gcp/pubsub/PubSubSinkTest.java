package dev.eventkit.gcp.pubsub;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.pubsub.v1.PubsubMessage;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Pub/Sub sink against the emulator: messages read back by a subscriber of the test's own. */
class PubSubSinkTest {

  private static PubSubTesting pubsub;

  @BeforeAll
  static void connect() throws Exception {
    pubsub = PubSubTesting.connect();
  }

  @AfterAll
  static void disconnect() throws Exception {
    pubsub.close();
  }

  private static PubSubSink.Builder sink(String topic) {
    return PubSubSink.builder(pubsub.project(), topic).emulatorHost(PubSubTesting.emulatorHost());
  }

  @Test
  void publishesEachEnvelopeAsOneMessageWithItsAttributes() throws Exception {
    String topic = PubSubTesting.unique("sink");
    String sub = PubSubTesting.unique("sub");
    pubsub.createTopic(topic);
    pubsub.createSubscription(sub, topic, false);
    List<Envelope> batch = new ArrayList<>(Envelopes.tracks("m-", 250));
    batch.set(7, batch.get(7).toBuilder().stream("web").schema("iglu:com.acme/x/jsonschema/1-0-0")
        .validation(Validation.invalid(ValidationError.SCHEMA_NOT_FOUND, "unknown schema", List.of())).build());

    try (PubSubSink s = sink(topic).build()) {
      WriteResult r = s.write(batch).get(60, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as(r.toString()).isTrue();
    }

    List<PubsubMessage> got = pubsub.pullUntil(sub, l -> l.size() >= 250, Duration.ofSeconds(60));
    assertThat(got).hasSize(250);
    Map<String, Envelope> sent = new HashMap<>();
    batch.forEach(e -> sent.put(e.id(), e));
    for (PubsubMessage m : got) {
      Envelope back = PubSubMessages.toEnvelope(m);
      assertThat(back).isEqualTo(sent.get(back.id())); // the whole envelope, exactly
      assertThat(m.getAttributesMap())
          .containsEntry(PubSubMessages.EVENT_ID, back.id())
          .containsEntry(PubSubMessages.PROTOCOL, "segment")
          .containsEntry(PubSubMessages.STREAM, back.stream())
          .containsEntry(PubSubMessages.ENVELOPE_VERSION, "1");
    }
    PubsubMessage odd = got.stream().filter(m -> m.getAttributesMap().get(PubSubMessages.EVENT_ID).equals("m-7"))
        .findFirst().orElseThrow();
    assertThat(odd.getAttributesMap())
        .containsEntry(PubSubMessages.STREAM, "web")
        .containsEntry(PubSubMessages.SCHEMA, "iglu:com.acme/x/jsonschema/1-0-0")
        .containsEntry(PubSubMessages.VALIDATION, "invalid");
    assertThat(got.get(0).getAttributesMap()).doesNotContainKey(PubSubMessages.SCHEMA)
        .containsEntry(PubSubMessages.VALIDATION, "not_validated");
  }

  @Test
  void aReplayIsTwoMessagesThatTheEventIdAttributeDeduplicates() throws Exception {
    String topic = PubSubTesting.unique("replay");
    String sub = PubSubTesting.unique("sub");
    pubsub.createTopic(topic);
    pubsub.createSubscription(sub, topic, false);
    List<Envelope> batch = Envelopes.tracks("r-", 40);
    try (PubSubSink s = sink(topic).build()) {
      assertThat(s.write(batch).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(s.write(batch.subList(0, 15)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue(); // redelivery
    }
    List<PubsubMessage> got = pubsub.pullUntil(sub, l -> l.size() >= 55, Duration.ofSeconds(60));
    Set<String> distinct = new HashSet<>();
    for (PubsubMessage m : got) {
      distinct.add(m.getAttributesMap().get(PubSubMessages.EVENT_ID));
    }
    assertThat(got).hasSize(55); // Pub/Sub does not deduplicate publishes: at least once
    assertThat(distinct).hasSize(40).containsAll(dev.eventkit.gcp.firestore.FirestoreTesting.ids(batch));
  }

  @Test
  void orderingKeysKeepEachKeysOrder() throws Exception {
    String topic = PubSubTesting.unique("ordered");
    String sub = PubSubTesting.unique("sub");
    pubsub.createTopic(topic);
    pubsub.createSubscription(sub, topic, true);
    List<Envelope> batch = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      batch.add(Envelopes.track("o-" + i).toBuilder().stream("s" + (i % 3)).build());
    }
    try (PubSubSink s = sink(topic).orderingKey(Envelope::stream).maxMessagesPerRequest(7).build()) {
      assertThat(s.write(batch).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    List<PubsubMessage> got = pubsub.pullUntil(sub, l -> l.size() >= 90, Duration.ofSeconds(60));
    Map<String, List<Integer>> byKey = new HashMap<>();
    for (PubsubMessage m : got) {
      assertThat(m.getOrderingKey()).isEqualTo(m.getAttributesMap().get(PubSubMessages.STREAM));
      int n = Integer.parseInt(m.getAttributesMap().get(PubSubMessages.EVENT_ID).substring(2));
      byKey.computeIfAbsent(m.getOrderingKey(), k -> new ArrayList<>()).add(n);
    }
    assertThat(byKey).hasSize(3);
    for (List<Integer> seq : byKey.values()) {
      assertThat(seq).hasSize(30).isSorted();
    }
  }

  @Test
  void aMessageTooLargeFailsAloneAndForGoodWhileTheOthersArePublished() throws Exception {
    String topic = PubSubTesting.unique("large");
    String sub = PubSubTesting.unique("sub");
    pubsub.createTopic(topic);
    pubsub.createSubscription(sub, topic, false);
    List<Envelope> batch = new ArrayList<>(Envelopes.tracks("l-", 4));
    batch.add(2, Envelopes.track("huge").toBuilder()
        .payloadJson("{\"blob\":\"" + "y".repeat(10_000_000) + "\"}").build());
    WriteResult r;
    try (PubSubSink s = sink(topic).build()) {
      r = s.write(batch).get(60, TimeUnit.SECONDS);
    }
    assertThat(r.isSuccess()).isFalse();
    assertThat(r.batchFailure()).isNull();
    assertThat(r.failureOf(2)).isNotNull();
    assertThat(r.failureOf(2).retryable()).isFalse();
    for (int i : List.of(0, 1, 3, 4)) {
      assertThat(r.failureOf(i)).isNull();
    }
    List<PubsubMessage> got = pubsub.pullUntil(sub, l -> l.size() >= 4, Duration.ofSeconds(30));
    assertThat(got).extracting(m -> m.getAttributesMap().get(PubSubMessages.EVENT_ID))
        .containsExactlyInAnyOrder("l-0", "l-1", "l-2", "l-3");
  }

  @Test
  void aMissingTopicIsRetryableAndCreatedSoTheRetrySucceeds(@TempDir Path dir) throws Exception {
    String topic = PubSubTesting.unique("late");
    try (PubSubSink s = sink(topic).build()) {
      WriteResult first = s.write(Envelopes.tracks("a-", 3)).get(60, TimeUnit.SECONDS);
      assertThat(first.failureOf(0)).isNotNull();
      assertThat(first.failureOf(0).retryable()).isTrue();
      assertThat(first.failureOf(0).reason()).contains("NOT_FOUND");
      // The sink repairs the topic in the background while it is open (closing it abandons the repair).
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(pubsub.topicExists(topic)).as("topic re-created").isTrue();
      });
    }

    // Through a pipeline, the retry carries the events to a subscriber.
    String sub = PubSubTesting.unique("sub");
    pubsub.createSubscription(sub, topic, false);
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("log.db")))
        .sink(sink(topic).build()).build().start()) {
      p.collect(Envelopes.tracks("b-", 20)).get(30, TimeUnit.SECONDS);
      assertThat(flushed(p, Duration.ofSeconds(60))).isTrue();
    }
    assertThat(pubsub.pullUntil(sub, l -> l.size() >= 20, Duration.ofSeconds(30))).hasSize(20);
  }

  @Test
  void buildRefusesNamesPubSubRefuses() {
    assertThatThrownBy(() -> PubSubSink.builder("p", "ab").build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topic");
    assertThatThrownBy(() -> PubSubSink.builder("p", "goog-x").build()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PubSubSink.builder(" ", "topic").build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("project");
    assertThatThrownBy(() -> PubSubSink.builder("p", "topic").maxMessagesPerRequest(1001).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
