package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.delivery.SinkDelivery;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.Envelopes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * A record the log cannot decode goes to the dead-letter sink as raw bytes, so that every cursor moves past it;
 * without a dead-letter sink it is held, and the sink's status says so.
 */
class UndecodableRecordTest {

  private static final RetryPolicy FAST = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
      .maxDelay(Duration.ofMillis(50)).build();
  private static final byte[] RAW = "{\"v\":9,\"id\":\"from-the-future\"}".getBytes(StandardCharsets.UTF_8);

  private static SinkStatus statusOf(Pipeline p, String sink) {
    return p.status().sinks().stream().filter(s -> s.sink().equals(sink)).findFirst().orElseThrow();
  }

  @Test
  void anUndecodableRecordIsDeadLetteredAsRawBytesAndEveryCursorMovesOn() throws Exception {
    ScriptedLog log = new ScriptedLog();
    log.makeUndecodable(3, RAW);
    InMemorySink events = new InMemorySink("events");
    InMemorySink other = new InMemorySink("other");
    InMemorySink dead = new InMemorySink("dead");
    try (Pipeline p = Pipeline.builder().ringBuffer(log).retry(FAST).sink(events).sink(other).deadLetterSink(dead)
        .build().start()) {
      p.collect(Envelopes.tracks("u", 5)).join();
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
      assertThat(events.envelopes()).extracting(Envelope::id).containsExactly("u0", "u1", "u3", "u4");
      assertThat(other.envelopes()).extracting(Envelope::id).containsExactly("u0", "u1", "u3", "u4");
      // One dead letter per consumer that met the record, each naming it.
      assertThat(dead.envelopes()).hasSize(2);
      assertThat(dead.envelopes()).extracting(e -> e.attributes().get("deadLetter.sink"))
          .containsExactlyInAnyOrder("events", "other");
      Envelope letter = dead.envelopes().get(0);
      assertThat(letter.protocol()).isEqualTo(SinkDelivery.UNDECODABLE_PROTOCOL);
      assertThat(letter.payload().isTextual()).isTrue();
      assertThat(Base64.getDecoder().decode(letter.payload().textValue())).isEqualTo(RAW);
      assertThat(letter.attributes()).containsEntry("deadLetter.reason", "undecodable")
          .containsEntry("deadLetter.detail", "unknown envelope format version 9")
          .containsEntry("deadLetter.sequence", "3")
          .containsKey("deadLetter.at");
      // Replays of the same bytes carry the same id, so dead letters de-duplicate like events.
      assertThat(dead.envelopes().get(1).id()).isEqualTo(letter.id());
      assertThat(statusOf(p, "events").deadLettered()).isEqualTo(1);
      assertThat(statusOf(p, "events").lagEvents()).isZero();
    }
  }

  @Test
  void withoutADeadLetterSinkAnUndecodableRecordIsHeldAndShown() throws Exception {
    ScriptedLog log = new ScriptedLog();
    log.makeUndecodable(2, RAW);
    InMemorySink events = new InMemorySink("events");
    try (Pipeline p = Pipeline.builder().ringBuffer(log).retry(FAST).sink(events)
        .shutdownTimeout(Duration.ofMillis(100)).build().start()) {
      p.collect(Envelopes.tracks("h", 3)).join();
      assertThat(events.awaitCount(2, Duration.ofSeconds(10))).extracting(Envelope::id).containsExactly("h0", "h2");
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p, "events").state() != SinkState.OK);
      SinkStatus s = statusOf(p, "events");
      assertThat(s.state()).isIn(SinkState.RETRYING, SinkState.FAILING);
      assertThat(s.lastError()).isEqualTo("undecodable record");
      assertThat(s.heldEvents()).isEqualTo(1);
      assertThat(s.lagEvents()).isEqualTo(3);
      assertThat(flushed(p, Duration.ofMillis(300))).isFalse();
      // Later deliveries succeed, yet the held record keeps the state from turning OK.
      p.collect(Envelopes.tracks("later", 1)).join();
      events.awaitCount(3, Duration.ofSeconds(10));
      assertThat(statusOf(p, "events").state()).isIn(SinkState.RETRYING, SinkState.FAILING);
    }
  }

  @Test
  void aGapNoticedOnlyWhenReadingIsCountedToo() throws Exception {
    ScriptedLog log = new ScriptedLog();
    InMemorySink events = new InMemorySink("events");
    log.append(Envelopes.tracks("gone", 4)).join();
    log.hideUpTo(4);
    try (Pipeline p = Pipeline.builder().ringBuffer(log).retry(FAST).sink(events).build().start()) {
      p.collect(Envelopes.tracks("kept", 2)).join();
      assertThat(events.awaitCount(2, Duration.ofSeconds(10))).extracting(Envelope::id)
          .containsExactly("kept0", "kept1");
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
      assertThat(statusOf(p, "events").skippedEvents()).isEqualTo(4);
    }
  }
}
