package dev.eventkit.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.testing.Envelopes;
import dev.eventkit.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
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

  private static List<String> linesOfAllFiles(Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    for (Path f : namesSorted(dir)) {
      String content = Files.readString(f);
      assertThat(content).as("only complete lines in " + f.getFileName()).satisfiesAnyOf(
          c -> assertThat(c).isEmpty(), c -> assertThat(c).endsWith("\n"));
      content.lines().forEach(lines::add);
    }
    return lines;
  }

  /** The files as a directory listing sorts them (what {@code cat events-*.ndjson} reads). */
  private static List<Path> namesSorted(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".ndjson")).sorted().toList();
    }
  }

  private static List<String> idsOfLines(List<String> lines) {
    return lines.stream().map(l -> EnvelopeCodec.decode(l.getBytes(StandardCharsets.UTF_8)).id()).toList();
  }

  @Test
  void anIoErrorMidWriteLeavesOnlyCompleteLinesAtOnce() throws Exception {
    RecordingChannel.Opener opener = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir).opener(opener).build()) {
      assertThat(sink.write(Envelopes.tracks("a", 2)).join().isSuccess()).isTrue();
      opener.writeAllowance.set(100); // the disk fills 100 bytes into the next batch
      assertThat(sink.write(Envelopes.tracks("b", 3)).join().isSuccess()).isFalse();
      // At once, with no further write and no restart: no file ends in a torn line.
      assertThat(idsOfLines(linesOfAllFiles(dir))).containsExactly("a0", "a1");
      opener.writeAllowance.set(-1);
      assertThat(sink.write(Envelopes.tracks("b", 3)).join().isSuccess()).isTrue();
      assertThat(idsOfLines(linesOfAllFiles(dir))).containsExactly("a0", "a1", "b0", "b1", "b2");
    }
  }

  @Test
  void whenCuttingATornLineFailsItIsRepairedBeforeTheNextWrite() throws Exception {
    RecordingChannel.Opener opener = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir).opener(opener).build()) {
      sink.write(Envelopes.tracks("a", 2)).join();
      opener.writeAllowance.set(100);
      opener.failTruncate = true;
      assertThat(sink.write(Envelopes.tracks("b", 3)).join().isSuccess()).isFalse();
      // The disk recovers; the next write first cuts the torn line, then appends.
      opener.failTruncate = false;
      opener.writeAllowance.set(-1);
      assertThat(sink.write(Envelopes.tracks("c", 1)).join().isSuccess()).isTrue();
      assertThat(idsOfLines(linesOfAllFiles(dir))).containsExactly("a0", "a1", "c0");
    }
  }

  @Test
  void aNewFileIsMadeDurableInItsDirectoryBeforeAWriteSucceeds() throws Exception {
    RecordingChannel.Opener opener = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir).opener(opener).build()) {
      assertThat(sink.write(Envelopes.tracks("a", 1)).join().isSuccess()).isTrue();
      assertThat(opener.opensOf(dir)).as("the directory is opened to be forced").isNotEmpty();
      assertThat(opener.opensOf(dir).get(0).channel().forces.get()).isEqualTo(1);
      assertThat(opener.forcesOfFilesIn(dir)).as("and the data itself is forced").isEqualTo(1);
    }
  }

  @Test
  void fileNamesSortInWriteOrderWithinOneSecondAndAcrossRestarts() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    List<String> written = new ArrayList<>();
    try (FileSink sink = FileSink.builder(dir).maxFileBytes(1).clock(clock).build()) {
      for (int i = 0; i < 12; i++) {
        sink.write(Envelopes.tracks("w" + i + "-", 1)).join();
        written.add("w" + i + "-0");
      }
    }
    try (FileSink sink = FileSink.builder(dir).maxFileBytes(1).clock(clock).build()) {
      for (int i = 0; i < 3; i++) {
        sink.write(Envelopes.tracks("r" + i + "-", 1)).join();
        written.add("r" + i + "-0");
      }
    }
    // The clock steps back an hour: names still sort after everything written before.
    clock.advance(Duration.ofHours(-1));
    try (FileSink sink = FileSink.builder(dir).maxFileBytes(1).clock(clock).build()) {
      sink.write(Envelopes.tracks("back", 1)).join();
      written.add("back0");
      assertThat(idsIn(sink)).containsExactlyElementsOf(written);
    }
    assertThat(idsOfLines(linesOfAllFiles(dir))).containsExactlyElementsOf(written);
  }

  @Test
  void onStartOnlyAFileWithATornLineIsOpenedForWriting() throws Exception {
    try (FileSink sink = FileSink.builder(dir).maxFileBytes(1).build()) {
      sink.write(Envelopes.tracks("a", 1)).join();
      sink.write(Envelopes.tracks("b", 1)).join();
    }
    List<Path> files = namesSorted(dir);
    Files.writeString(files.get(1), "{\"v\":1,\"id\":\"ha", StandardOpenOption.APPEND);
    RecordingChannel.Opener opener = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir).opener(opener).build()) {
      assertThat(opener.opensOf(files.get(0))).allSatisfy(
          o -> assertThat(o.options()).doesNotContain(StandardOpenOption.WRITE));
      assertThat(opener.opensOf(files.get(1))).anySatisfy(
          o -> assertThat(o.options()).contains(StandardOpenOption.WRITE));
      assertThat(idsIn(sink)).containsExactly("a0", "b0");
    }
  }

  @Test
  void aReadOnlyOldFileDoesNotStopTheSink() throws Exception {
    try (FileSink sink = FileSink.to(dir)) {
      sink.write(Envelopes.tracks("old", 2)).join();
    }
    Path complete = namesSorted(dir).get(0);
    Path torn = dir.resolve("events-20000101T000000Z-000000.ndjson");
    Files.writeString(torn, "{\"v\":1,\"id\":\"ha");
    byte[] before = Files.readAllBytes(complete);
    ReadOnlyFiles readOnly = ReadOnlyFiles.make(complete, torn);
    try {
      try (FileSink sink = FileSink.to(dir)) {
        assertThat(sink.write(Envelopes.tracks("new", 1)).join().isSuccess()).isTrue();
      }
      assertThat(Files.readAllBytes(complete)).isEqualTo(before);
      assertThat(Files.readString(torn)).as("left alone, with a warning").endsWith("ha");
    } finally {
      readOnly.undo();
    }
  }

  @Test
  void eachWriteIsForcedByDefaultAndAnIntervalForcesLess() throws Exception {
    RecordingChannel.Opener every = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir.resolve("every")).opener(every).build()) {
      for (int i = 0; i < 5; i++) {
        sink.write(Envelopes.tracks("e" + i + "-", 1)).join();
      }
      assertThat(every.forcesOfFilesIn(dir.resolve("every"))).isEqualTo(5);
    }
    RecordingChannel.Opener batched = new RecordingChannel.Opener();
    try (FileSink sink = FileSink.builder(dir.resolve("batched")).fsyncInterval(Duration.ofHours(1))
        .opener(batched).build()) {
      for (int i = 0; i < 5; i++) {
        sink.write(Envelopes.tracks("b" + i + "-", 1)).join();
      }
      assertThat(batched.forcesOfFilesIn(dir.resolve("batched"))).isEqualTo(1);
      sink.flush().join();
      assertThat(batched.forcesOfFilesIn(dir.resolve("batched"))).isEqualTo(2);
    }
  }

  @Test
  void rotatesByAge() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    try (FileSink sink = FileSink.builder(dir).maxFileAge(Duration.ofMinutes(10)).clock(clock).build()) {
      sink.write(Envelopes.tracks("a", 1)).join();
      clock.advance(Duration.ofMinutes(5));
      sink.write(Envelopes.tracks("b", 1)).join();
      clock.advance(Duration.ofMinutes(6));
      sink.write(Envelopes.tracks("c", 1)).join();
      assertThat(sink.files()).extracting(p -> p.getFileName().toString())
          .containsExactly("events-20260101T000000Z-000000.ndjson", "events-20260101T001100Z-000000.ndjson");
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

}
