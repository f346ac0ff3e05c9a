package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import dev.eventkit.testing.Envelopes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Behaviour every {@link RingBuffer} shares; each implementation's test extends this. */
abstract class RingBufferContract {

  abstract RingBuffer create(RetentionPolicy retention);

  RingBuffer create() {
    return create(RetentionPolicy.defaults());
  }

  @Test
  void appendCompletesWithIncreasingSequencesAndReadReturnsEnvelopesInOrder() {
    try (RingBuffer log = create()) {
      long first = log.append(Envelopes.tracks("a", 3)).join();
      long second = log.append(Envelopes.tracks("b", 2)).join();
      assertThat(first).isEqualTo(3);
      assertThat(second).isEqualTo(5);
      List<LogRecord> all = log.read(0, 100);
      assertThat(all).extracting(LogRecord::sequence).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(all).extracting(r -> r.envelope().id()).containsExactly("a0", "a1", "a2", "b0", "b1");
      assertThat(all.get(0).envelope()).isEqualTo(Envelopes.tracks("a", 1).get(0).toBuilder()
          .receivedAt(all.get(0).envelope().receivedAt()).build());
      assertThat(log.read(3, 1)).extracting(LogRecord::sequence).containsExactly(4L);
      assertThat(log.lastSequence()).isEqualTo(5);
    }
  }

  @Test
  void cursorsStartBeforeTheOldestRecordAndOnlyMoveForward() {
    try (RingBuffer log = create()) {
      log.append(Envelopes.tracks("a", 4)).join();
      assertThat(log.openCursor("s1")).isEqualTo(0);
      log.commit("s1", 3).join();
      log.commit("s1", 1).join();
      assertThat(log.openCursor("s1")).isEqualTo(3);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(1);
      assertThatThrownBy(() -> log.commit("never-opened", 1).join()).isInstanceOf(CompletionException.class);
    }
  }

  @Test
  void retentionNeverDeletesWhatAnOpenCursorHasNotConsumed() {
    RetentionPolicy keepNothing = RetentionPolicy.builder().maxRetainedEvents(0).maxAge(Duration.ZERO).build();
    try (RingBuffer log = create(keepNothing)) {
      log.openCursor("slow");
      log.openCursor("fast");
      log.append(Envelopes.tracks("a", 10)).join();
      log.commit("fast", 10).join();
      log.commit("slow", 4).join();
      prune(log);
      log.append(Envelopes.tracks("b", 1)).join();
      prune(log);
      List<LogRecord> left = log.read(0, 100);
      assertThat(left).extracting(LogRecord::sequence).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
      assertThat(log.stats().firstSequence()).isEqualTo(5);
      log.commit("slow", 11).join();
      log.commit("fast", 11).join();
      prune(log);
      log.append(Envelopes.tracks("c", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(12L);
    }
  }

  @Test
  void retentionKeepsConsumedEventsUpToTheConfiguredCount() {
    RetentionPolicy keepThree = RetentionPolicy.builder().maxRetainedEvents(3).build();
    try (RingBuffer log = create(keepThree)) {
      log.openCursor("s");
      log.append(Envelopes.tracks("a", 10)).join();
      log.commit("s", 10).join();
      prune(log);
      log.append(Envelopes.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(8L, 9L, 10L, 11L);
    }
  }

  /** Runs the implementation's retention now. */
  abstract void prune(RingBuffer log);

  /** Closes the log and opens its storage again with {@code retention}; null for a log that is not durable. */
  RingBuffer reopen(RingBuffer log, RetentionPolicy retention) {
    return null;
  }

  /** Replaces the stored bytes of one record, as a damaged row or an older format would look. */
  abstract void corrupt(RingBuffer log, long sequence, byte[] stored);

  /**
   * Keeps the log from committing until the returned handle is closed, so that a test can attach callbacks to an
   * append before it completes. A log whose appends complete at once needs nothing.
   */
  AutoCloseable holdCommits(RingBuffer log) throws Exception {
    return () -> {};
  }

  private static final RetentionPolicy KEEP_NOTHING =
      RetentionPolicy.builder().maxRetainedEvents(0).maxAge(Duration.ZERO).build();

  @Test
  void appendFailsWithBufferFullAtCapacityAndRecoversWhenConsumersCatchUp() {
    RetentionPolicy small = RetentionPolicy.builder().capacityEvents(5).build();
    try (RingBuffer log = create(small)) {
      log.openCursor("s");
      log.append(Envelopes.tracks("a", 5)).join();
      CompletableFuture<Long> refused = log.append(Envelopes.tracks("b", 1));
      assertThatThrownBy(refused::join).hasCauseInstanceOf(BufferFullException.class);
      assertThat(log.read(0, 100)).hasSize(5);
      log.commit("s", 2).join();
      assertThat(log.append(Envelopes.tracks("c", 2)).join()).isEqualTo(7);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(5);
    }
  }

  @Test
  void concurrentAppendsAreAllCommittedWithDistinctSequences() throws Exception {
    int threads = 16;
    int perThread = 200;
    try (RingBuffer log = create()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<List<Long>>> results = new ArrayList<>();
      AtomicInteger ids = new AtomicInteger();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          List<Long> seqs = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            Envelope e = Envelopes.track("id-" + ids.incrementAndGet());
            seqs.add(log.append(List.of(e)).join());
          }
          return seqs;
        }));
      }
      Set<Long> all = new HashSet<>();
      for (Future<List<Long>> f : results) {
        all.addAll(f.get());
      }
      pool.shutdown();
      assertThat(all).hasSize(threads * perThread);
      assertThat(log.lastSequence()).isEqualTo(threads * perThread);
      Set<String> stored = new HashSet<>();
      log.read(0, threads * perThread + 10).forEach(r -> stored.add(r.envelope().id()));
      assertThat(stored).hasSize(threads * perThread);
    }
  }

  @Test
  void appendListenersRunAfterCommit() throws Exception {
    try (RingBuffer log = create()) {
      CompletableFuture<Long> seen = new CompletableFuture<>();
      log.onAppend(() -> seen.complete(log.lastSequence()));
      log.append(Envelopes.tracks("a", 2)).join();
      assertThat(seen.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2);
    }
  }

  @Test
  void aClosedLogRefusesAppends() {
    RingBuffer log = create();
    log.close();
    assertThatThrownBy(() -> log.append(Envelopes.tracks("a", 1)).join()).isInstanceOf(CompletionException.class);
  }

  @Test
  void withNoCursorAtAllNothingCountsAsConsumed() {
    try (RingBuffer log = create(KEEP_NOTHING)) {
      log.append(Envelopes.tracks("a", 5)).join();
      prune(log);
      log.append(Envelopes.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).hasSize(6);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(6);
      assertThat(log.openCursor("late")).isEqualTo(0);
    }
  }

  @Test
  void cursorsSavedByAnEarlierRunHoldBackRetentionBeforeTheyAreOpenedAgain() {
    RingBuffer first = create();
    first.openCursor("up");
    first.openCursor("down");
    for (int i = 0; i < 10; i++) {
      first.append(Envelopes.tracks("a" + i + "-", 100)).join();
    }
    first.commit("up", 1_000).join();
    // The sink behind "down" was down for all 1,000 acknowledged events; the log restarts and retention runs before
    // any consumer opens its cursor again.
    RingBuffer log = reopen(first, KEEP_NOTHING);
    assumeTrue(log != null, "the log is not durable");
    try (log) {
      prune(log);
      assertThat(log.read(0, 2_000)).hasSize(1_000);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(1_000);
      assertThat(log.cursors()).containsEntry("up", 1_000L).containsEntry("down", 0L);
      assertThat(log.openCursor("down")).isEqualTo(0);
      assertThat(log.openCursor("up")).isEqualTo(1_000);
      log.commit("down", 1_000).join();
      log.append(Envelopes.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 2_000)).extracting(LogRecord::sequence).containsExactly(1_001L);
    }
  }

  @Test
  void reopeningKeepsRecordsCursorsSequencesAndTheTextOfEveryRecord() {
    RingBuffer first = create();
    first.openCursor("sink");
    List<Envelope> written = new ArrayList<>(Envelopes.tracks("a", 3));
    written.add(Envelope.builder().id("exact").protocol("p").payloadJson("{\"n\":0.10000000000000000000001}")
        .build());
    first.append(written).join();
    first.commit("sink", 2).join();
    RingBuffer log = reopen(first, RetentionPolicy.defaults());
    assumeTrue(log != null, "the log is not durable");
    try (log) {
      assertThat(log.lastSequence()).isEqualTo(4);
      assertThat(log.openCursor("sink")).isEqualTo(2);
      assertThat(log.read(0, 10)).extracting(LogRecord::envelope).containsExactlyElementsOf(written);
      assertThat(log.append(Envelopes.tracks("b", 1)).join()).isEqualTo(5);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(3);
    }
  }

  @Test
  void aDroppedCursorNoLongerHoldsBackRetention() {
    try (RingBuffer log = create(KEEP_NOTHING)) {
      log.openCursor("fast");
      log.openCursor("gone");
      log.append(Envelopes.tracks("a", 10)).join();
      log.commit("fast", 10).join();
      prune(log);
      assertThat(log.read(0, 100)).hasSize(10);
      log.dropCursor("gone").join();
      log.dropCursor("never-existed").join();
      assertThat(log.cursors()).containsOnlyKeys("fast");
      assertThat(log.stats().unconsumedEvents()).isZero();
      assertThatThrownBy(() -> log.commit("gone", 5).join()).hasCauseInstanceOf(IllegalArgumentException.class);
      log.append(Envelopes.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(11L);
      assertThat(log.openCursor("gone")).isEqualTo(10);
    }
  }

  /** Payload texts intake can accept, each to come back from the log exactly as it went in. */
  static List<String> exactTexts() {
    int depth = Json.MAX_NESTING_DEPTH;
    return List.of(
        "{\"x\":0.10000000000000000000001,\"big\":123456789012345678901234567890.123456789,\"huge\":1e400,"
            + "\"tiny\":1E-400,\"neg\":-0.0,\"int\":123456789012345678901234567890}",
        "{\"escaped\":\"\\u00e9 \\u4e2d\\u6587 \\ud83d\\ude00\",\"raw\":\"\u00e9 \u4e2d\u6587 \ud83d\ude00\","
            + "\"esc\":\"\\n\\t\\\"\\\\\\/\",\"nul\":\"\\u0000\",\"\\u00e9\":1}",
        "[ 1 ,\n\t2 , { \"a\" : [ ] } ]",
        "\"just a string\"", "42", "-1.50", "null", "true",
        "[".repeat(depth) + "]".repeat(depth),
        "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1));
  }

  @Test
  void payloadAndContextTextComeBackExactlyAsAppended() {
    List<Envelope> written = new ArrayList<>();
    int i = 0;
    for (String text : exactTexts()) {
      written.add(Envelope.builder().id("e" + i++).protocol("p").payloadJson(text)
          .contexts(List.of(new Entity("iglu:a/b/jsonschema/1-0-0", text), new Entity("iglu:a/c/jsonschema/1-0-0",
              "{\"n\":1.000}")))
          .build());
    }
    try (RingBuffer log = create()) {
      log.append(written).join();
      List<LogRecord> read = log.read(0, 100);
      assertThat(read).extracting(LogRecord::isUndecodable).containsOnly(false);
      assertThat(read).extracting(r -> r.envelope().payloadJson()).containsExactlyElementsOf(exactTexts());
      assertThat(read).extracting(r -> r.envelope().contexts().get(0).dataJson())
          .containsExactlyElementsOf(exactTexts());
      assertThat(read).extracting(LogRecord::envelope).containsExactlyElementsOf(written);
    }
  }

  @Test
  void aRecordThatCannotBeDecodedIsReadAsRawBytesWithAReasonAndDoesNotStopReaders() {
    byte[] cut = "{\"v\":1,\"id\":\"secret-id\",\"payload\":{\"hello\":".getBytes(StandardCharsets.UTF_8);
    byte[] newer = "{\"v\":2,\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    try (RingBuffer log = create()) {
      log.openCursor("sink");
      log.append(Envelopes.tracks("a", 4)).join();
      corrupt(log, 2, cut);
      corrupt(log, 3, newer);
      List<LogRecord> read = log.read(0, 10);
      assertThat(read).extracting(LogRecord::sequence).containsExactly(1L, 2L, 3L, 4L);
      assertThat(read).extracting(LogRecord::isUndecodable).containsExactly(false, true, true, false);
      assertThat(read.get(0).envelope().id()).isEqualTo("a0");
      assertThat(read.get(3).envelope().id()).isEqualTo("a3");
      LogRecord damaged = read.get(1);
      assertThat(damaged.envelope()).isNull();
      assertThat(damaged.raw()).isEqualTo(cut);
      assertThat(damaged.undecodableReason()).contains("malformed").doesNotContain("hello", "secret");
      assertThat(damaged.toString()).doesNotContain("hello", "secret");
      assertThat(read.get(2).undecodableReason()).contains("version 2");
      assertThat(log.read(1, 1)).extracting(LogRecord::isUndecodable).containsExactly(true);
      log.commit("sink", 4).join();
      assertThat(log.stats().unconsumedEvents()).isZero();
    }
  }

  @Test
  @SuppressWarnings("try") // the resources hold the log's commits for the duration of their blocks
  void futuresNeverCompleteOnTheWriterThreadSoTheirCallbacksMayWaitForTheLog() throws Exception {
    try (RingBuffer log = create()) {
      log.openCursor("s");
      AtomicReference<String> appendThread = new AtomicReference<>();
      AtomicReference<String> commitThread = new AtomicReference<>();
      CompletableFuture<Long> nested;
      CompletableFuture<Long> afterCommit;
      try (AutoCloseable ignored = holdCommits(log)) {
        // Attached before the append can complete: the callback runs wherever the log completes the future.
        nested = log.append(Envelopes.tracks("a", 1)).thenApply(seq -> {
          appendThread.set(Thread.currentThread().getName());
          return log.append(Envelopes.tracks("b", 1)).join();
        });
      }
      assertThat(nested.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      try (AutoCloseable ignored = holdCommits(log)) {
        afterCommit = log.commit("s", 2).thenApply(v -> {
          commitThread.set(Thread.currentThread().getName());
          return log.append(Envelopes.tracks("c", 1)).join();
        });
      }
      assertThat(afterCommit.get(10, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(appendThread.get()).isNotEqualTo("eventkit-log-writer");
      assertThat(commitThread.get()).isNotEqualTo("eventkit-log-writer");
    }
  }

  @Test
  void theCapacityCheckAndTheAppendAreOneStepForConcurrentAppenders() throws Exception {
    int threads = 16;
    RetentionPolicy ten = RetentionPolicy.builder().capacityEvents(10).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (RingBuffer log = create(ten)) {
      log.openCursor("s");
      for (int round = 0; round < 150; round++) {
        log.commit("s", log.lastSequence()).join();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<CompletableFuture<Long>>>> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String prefix = "r" + round + "t" + t + "-";
          started.add(pool.submit(() -> {
            go.await();
            List<CompletableFuture<Long>> mine = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
              mine.add(log.append(Envelopes.tracks(prefix + i, 1)));
            }
            return mine;
          }));
        }
        go.countDown();
        int stored = 0;
        for (Future<List<CompletableFuture<Long>>> f : started) {
          for (CompletableFuture<Long> append : f.get(10, TimeUnit.SECONDS)) {
            try {
              append.get(10, TimeUnit.SECONDS);
              stored++;
            } catch (java.util.concurrent.ExecutionException e) {
              assertThat(e.getCause()).isInstanceOf(BufferFullException.class);
            }
          }
        }
        assertThat(stored).as("appends accepted in round %d with a capacity of 10", round).isEqualTo(10);
        assertThat(log.stats().unconsumedEvents()).isEqualTo(10);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchLargerThanTheWholeCapacityFailsAtOnceWithBatchTooLarge() {
    RetentionPolicy five = RetentionPolicy.builder().capacityEvents(5).capacityBytes(4_000).build();
    try (RingBuffer log = create(five)) {
      log.openCursor("s");
      CompletableFuture<Long> tooMany = log.append(Envelopes.tracks("a", 6));
      assertThatThrownBy(tooMany::join).cause().isInstanceOf(BatchTooLargeException.class)
          .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(BufferFullException.class);
      BatchTooLargeException e = (BatchTooLargeException) tooMany.handle((v, t) -> t.getCause() != null
          ? t.getCause() : t).join();
      assertThat(e.batchEvents()).isEqualTo(6);
      assertThat(e.capacityEvents()).isEqualTo(5);
      String big = "{\"blob\":\"" + "x".repeat(5_000) + "\"}";
      CompletableFuture<Long> tooBig = log.append(List.of(Envelope.builder().protocol("p").payloadJson(big).build()));
      assertThatThrownBy(tooBig::join).cause().isInstanceOf(BatchTooLargeException.class);
      assertThat(log.read(0, 10)).isEmpty();
      assertThat(log.append(Envelopes.tracks("b", 5)).join()).isEqualTo(5);
      // At capacity, a batch that fits the capacity is refused as full (for now), not as too large.
      assertThatThrownBy(() -> log.append(Envelopes.tracks("c", 1)).join())
          .hasCauseInstanceOf(BufferFullException.class);
    }
  }

  @Test
  void aHealthyLogSaysSo() {
    try (RingBuffer log = create()) {
      log.append(Envelopes.tracks("a", 1)).join();
      assertThat(log.health().state()).isEqualTo(LogHealth.State.OK);
      assertThat(log.health().failingSince()).isNull();
      assertThat(log.stats().health().isFailing()).isFalse();
    }
  }
}
