package dev.eventkit.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.testing.Envelopes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {

  @TempDir
  Path dir;

  private static List<String> idsIn(FileSink sink) throws Exception {
    List<String> ids = new ArrayList<>();
    for (Path f : sink.files()) {
      for (String line : Files.readAllLines(f)) {
        ids.add(EnvelopeCodec.decode(line.getBytes(StandardCharsets.UTF_8)).id());
      }
    }
    return ids;
  }

  @Test
  void writesOneEnvelopePerLine() throws Exception {
    try (FileSink sink = FileSink.to(dir)) {
      assertThat(sink.write(Envelopes.tracks("a", 3)).join().isSuccess()).isTrue();
      assertThat(sink.write(Envelopes.tracks("b", 1)).join().isSuccess()).isTrue();
      assertThat(idsIn(sink)).containsExactly("a0", "a1", "a2", "b0");
      assertThat(sink.files()).hasSize(1);
    }
  }

  @Test
  void rotatesBySize() throws Exception {
    try (FileSink sink = FileSink.builder(dir).maxFileBytes(1).build()) {
      for (int i = 0; i < 3; i++) {
        sink.write(Envelopes.tracks("s" + i + "-", 2)).join();
      }
      assertThat(sink.files()).hasSize(3);
      assertThat(idsIn(sink)).containsExactly("s0-0", "s0-1", "s1-0", "s1-1", "s2-0", "s2-1");
    }
  }

  @Test
  void rotatesByAge() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    try (FileSink sink = FileSink.builder(dir).maxFileAge(Duration.ofMinutes(10)).clock(clock).build()) {
      sink.write(Envelopes.tracks("a", 1)).join();
      clock.now = clock.now.plus(Duration.ofMinutes(5));
      sink.write(Envelopes.tracks("b", 1)).join();
      clock.now = clock.now.plus(Duration.ofMinutes(6));
      sink.write(Envelopes.tracks("c", 1)).join();
      assertThat(sink.files()).extracting(p -> p.getFileName().toString())
          .containsExactly("events-20260101T000000Z-0.ndjson", "events-20260101T001100Z-1.ndjson");
      assertThat(idsIn(sink)).containsExactly("a0", "b0", "c0");
    }
  }

  @Test
  void cutsAnUnfinishedLastLineOnStart() throws Exception {
    try (FileSink sink = FileSink.to(dir)) {
      sink.write(Envelopes.tracks("a", 2)).join();
    }
    Path file;
    try (var files = Files.list(dir)) {
      file = files.findFirst().orElseThrow();
    }
    Files.writeString(file, "{\"v\":1,\"id\":\"half", StandardOpenOption.APPEND);
    try (FileSink sink = FileSink.to(dir)) {
      sink.write(Envelopes.tracks("b", 1)).join();
      assertThat(idsIn(sink)).containsExactly("a0", "a1", "b0");
    }
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
