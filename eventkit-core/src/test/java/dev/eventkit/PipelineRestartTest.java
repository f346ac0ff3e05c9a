package dev.eventkit;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a restart each sink resumes at its own cursor: nothing undelivered is lost, nothing delivered repeats. */
class PipelineRestartTest {

  @TempDir
  Path dir;

  @Test
  void eachSinkResumesWhereItStopped() throws Exception {
    Path wal = dir.resolve("wal.db");
    ControllableSink stuck = new ControllableSink("b");
    stuck.setDown(true);
    InMemorySink first = new InMemorySink("a");
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(wal)).sink(first).sink(stuck)
        .shutdownTimeout(Duration.ofMillis(200)).build().start()) {
      p.collect(Envelopes.tracks("e", 10)).join();
      first.awaitCount(10, Duration.ofSeconds(5));
      assertThat(flushed(p, Duration.ofMillis(300))).isFalse();
    }
    InMemorySink a = new InMemorySink("a");
    InMemorySink b = new InMemorySink("b");
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(wal)).sink(a).sink(b).build().start()) {
      assertThat(b.awaitCount(10, Duration.ofSeconds(5))).extracting(Envelope::id)
          .containsExactlyElementsOf(Envelopes.tracks("e", 10).stream().map(Envelope::id).toList());
      p.collect(Envelopes.tracks("n", 1)).join();
      assertThat(a.awaitCount(1, Duration.ofSeconds(5))).extracting(Envelope::id).containsExactly("n0");
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
      assertThat(a.envelopes()).hasSize(1);
      assertThat(b.envelopes()).hasSize(11);
    }
  }

  @Test
  void collectIsRefusedBeforeStartAndAfterClose() {
    Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("x.db")))
        .sink(new InMemorySink("m")).build();
    CompletableFuture<Void> early = p.collect(Envelopes.track("x"));
    assertThat(early).isCompletedExceptionally();
    p.start();
    p.collect(List.of(Envelopes.track("y"))).join();
    p.close();
    assertThat(p.collect(Envelopes.track("z"))).isCompletedExceptionally();
  }

  @Test
  void invalidEventsGoToTheInvalidSinkOnly() throws Exception {
    InMemorySink valid = new InMemorySink("valid");
    InMemorySink invalid = new InMemorySink("invalid");
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("v.db")))
        .validator(e -> e.id().startsWith("bad") ? Validation.invalid(ValidationError.PAYLOAD_INVALID, "no",
            List.of(new Violation("/x", "type", "wrong"))) : Validation.valid())
        .sink(valid).invalidSink(invalid).build().start()) {
      p.collect(List.of(Envelopes.track("good1"), Envelopes.track("bad1"), Envelopes.track("good2"))).join();
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
      assertThat(valid.envelopes()).extracting(Envelope::id).containsExactly("good1", "good2");
      assertThat(invalid.envelopes()).extracting(Envelope::id).containsExactly("bad1");
      assertThat(invalid.envelopes().get(0).validation().violations()).hasSize(1);
      assertThat(valid.envelopes().get(0).validation().status()).isEqualTo(Validation.Status.VALID);
      assertThat(p.status().invalid()).isEqualTo(1);
    }
  }

  @Test
  void builderNamesWhatIsMissing() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Pipeline.builder().sink(new InMemorySink("a")).build())
        .hasMessageContaining("ring buffer");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Pipeline.builder()
        .ringBuffer(new dev.eventkit.buffer.InMemoryRingBuffer()).build()).hasMessageContaining("sink");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Pipeline.builder()
        .ringBuffer(new dev.eventkit.buffer.InMemoryRingBuffer()).sink(new InMemorySink("a"))
        .sink(new InMemorySink("a")).build()).hasMessageContaining("unique");
  }
}
