package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.eventkit.buffer.BatchTooLargeException;
import dev.eventkit.buffer.BufferFullException;
import dev.eventkit.buffer.LogHealth;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
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

/**
 * The behaviour every {@link RingBuffer} shares, as a JUnit 5 test class a log's implementation test extends: it
 * provides {@link #create(RetentionPolicy)} (a new, empty log) and {@link #prune(RingBuffer)} (run retention now),
 * and inherits the tests: ordered sequences, cursors that start before the oldest record and only move forward,
 * retention that never deletes what an open cursor (or a cursor saved by an earlier run) has not consumed, dropped
 * cursors, capacity refusals that recover and are one step with the append, batches larger than the capacity,
 * concurrent appends, append listeners after commit, payload text kept exactly, undecodable records read as raw
 * bytes, futures that never complete on the log's writer thread, health, and a closed log refusing appends.
 *
 * <p>Extension points for what not every log can do, each reported as a skipped test with its reason when not
 * provided: {@link #reopen(RingBuffer, RetentionPolicy)} for a durable log, {@link #corrupt(RingBuffer, long, byte[])}
 * for a log whose stored records a test can damage; {@link #holdCommits(RingBuffer)} for a log whose commits a test
 * can delay.
 *
 * <p>Thread-safety: JUnit creates one instance per test. Failure modes: a test fails with AssertJ's message naming
 * the broken property.
 */
public abstract class RingBufferContract {

  private static final RetentionPolicy KEEP_NOTHING =
      RetentionPolicy.builder().maxRetainedEvents(0).maxAge(Duration.ZERO).build();

  /** A new, empty log with this retention; each test closes the log it creates. */
  protected abstract RingBuffer create(RetentionPolicy retention);

  /** A new, empty log with the default retention. */
  protected RingBuffer create() {
    return create(RetentionPolicy.defaults());
  }

  @Test
  public void appendCompletesWithIncreasingSequencesAndReadReturnsEnvelopesInOrder() {
    try (RingBuffer log = create()) {
      long first = log.append(TestEvents.tracks("a", 3)).join();
      long second = log.append(TestEvents.tracks("b", 2)).join();
      assertThat(first).isEqualTo(3);
      assertThat(second).isEqualTo(5);
      List<LogRecord> all = log.read(0, 100);
      assertThat(all).extracting(LogRecord::sequence).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(all).extracting(r -> r.envelope().id()).containsExactly("a0", "a1", "a2", "b0", "b1");
      assertThat(all.get(0).envelope()).isEqualTo(TestEvents.tracks("a", 1).get(0).toBuilder()
          .receivedAt(all.get(0).envelope().receivedAt()).build());
      assertThat(log.read(3, 1)).extracting(LogRecord::sequence).containsExactly(4L);
      assertThat(log.lastSequence()).isEqualTo(5);
    }
  }

  @Test
  public void cursorsStartBeforeTheOldestRecordAndOnlyMoveForward() {
    try (RingBuffer log = create()) {
      log.append(TestEvents.tracks("a", 4)).join();
      assertThat(log.openCursor("s1")).isEqualTo(0);
      log.commit("s1", 3).join();
      log.commit("s1", 1).join();
      assertThat(log.openCursor("s1")).isEqualTo(3);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(1);
      assertThatThrownBy(() -> log.commit("never-opened", 1).join()).isInstanceOf(CompletionException.class);
    }
  }

  @Test
  public void retentionNeverDeletesWhatAnOpenCursorHasNotConsumed() {
    RetentionPolicy keepNothing = RetentionPolicy.builder().maxRetainedEvents(0).maxAge(Duration.ZERO).build();
    try (RingBuffer log = create(keepNothing)) {
      log.openCursor("slow");
      log.openCursor("fast");
      log.append(TestEvents.tracks("a", 10)).join();
      log.commit("fast", 10).join();
      log.commit("slow", 4).join();
      prune(log);
      log.append(TestEvents.tracks("b", 1)).join();
      prune(log);
      List<LogRecord> left = log.read(0, 100);
      assertThat(left).extracting(LogRecord::sequence).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
      assertThat(log.stats().firstSequence()).isEqualTo(5);
      log.commit("slow", 11).join();
      log.commit("fast", 11).join();
      prune(log);
      log.append(TestEvents.tracks("c", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(12L);
    }
  }

  @Test
  public void retentionKeepsConsumedEventsUpToTheConfiguredCount() {
    RetentionPolicy keepThree = RetentionPolicy.builder().maxRetainedEvents(3).build();
    try (RingBuffer log = create(keepThree)) {
      log.openCursor("s");
      log.append(TestEvents.tracks("a", 10)).join();
      log.commit("s", 10).join();
      prune(log);
      log.append(TestEvents.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(8L, 9L, 10L, 11L);
    }
  }

  /** Runs the implementation's retention now (nothing, for a log that prunes on each append). */
  protected abstract void prune(RingBuffer log);

  /**
   * Closes {@code log} and opens its storage again with {@code retention}. The default returns null, for a log that
   * is not durable: the tests of what survives a restart are then reported as skipped, with that reason.
   */
  protected RingBuffer reopen(RingBuffer log, RetentionPolicy retention) {
    return null;
  }

  /**
   * Replaces the stored bytes of record {@code sequence}, as a damaged row or a record of a newer format would look,
   * and returns true; {@code stored} is in the form {@code EnvelopeCodec} writes. The default returns false, for a
   * log whose storage a test cannot reach: the test of undecodable records is then reported as skipped.
   */
  protected boolean corrupt(RingBuffer log, long sequence, byte[] stored) {
    return false;
  }

  /**
   * Keeps the log from committing until the returned handle is closed, so that a test can attach callbacks to an
   * append before it completes. The default does nothing, for a log whose appends complete at once.
   */
  protected AutoCloseable holdCommits(RingBuffer log) throws Exception {
    return () -> {};
  }

  @Test
  public void appendFailsWithBufferFullAtCapacityAndRecoversWhenConsumersCatchUp() {
    RetentionPolicy small = RetentionPolicy.builder().capacityEvents(5).build();
    try (RingBuffer log = create(small)) {
      log.openCursor("s");
      log.append(TestEvents.tracks("a", 5)).join();
      CompletableFuture<Long> refused = log.append(TestEvents.tracks("b", 1));
      assertThatThrownBy(refused::join).hasCauseInstanceOf(BufferFullException.class);
      assertThat(log.read(0, 100)).hasSize(5);
      log.commit("s", 2).join();
      assertThat(log.append(TestEvents.tracks("c", 2)).join()).isEqualTo(7);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(5);
    }
  }

  @Test
  public void concurrentAppendsAreAllCommittedWithDistinctSequences() throws Exception {
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
            Envelope e = TestEvents.track("id-" + ids.incrementAndGet());
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
  public void appendListenersRunAfterCommit() throws Exception {
    try (RingBuffer log = create()) {
      CompletableFuture<Long> seen = new CompletableFuture<>();
      log.onAppend(() -> seen.complete(log.lastSequence()));
      log.append(TestEvents.tracks("a", 2)).join();
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(2);
    }
  }

  @Test
  public void aClosedLogRefusesAppends() {
    RingBuffer log = create();
    log.close();
    assertThatThrownBy(() -> log.append(TestEvents.tracks("a", 1)).join()).isInstanceOf(CompletionException.class);
  }

  @Test
  public void withNoCursorAtAllNothingCountsAsConsumed() {
    try (RingBuffer log = create(KEEP_NOTHING)) {
      log.append(TestEvents.tracks("a", 5)).join();
      prune(log);
      log.append(TestEvents.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).hasSize(6);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(6);
      assertThat(log.openCursor("late")).isEqualTo(0);
    }
  }

  @Test
  public void cursorsSavedByAnEarlierRunHoldBackRetentionBeforeTheyAreOpenedAgain() {
    RingBuffer first = create();
    first.openCursor("up");
    first.openCursor("down");
    for (int i = 0; i < 10; i++) {
      first.append(TestEvents.tracks("a" + i + "-", 100)).join();
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
      log.append(TestEvents.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 2_000)).extracting(LogRecord::sequence).containsExactly(1_001L);
    }
  }

  @Test
  public void reopeningKeepsRecordsCursorsSequencesAndTheTextOfEveryRecord() {
    RingBuffer first = create();
    first.openCursor("sink");
    List<Envelope> written = new ArrayList<>(TestEvents.tracks("a", 3));
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
      assertThat(log.append(TestEvents.tracks("b", 1)).join()).isEqualTo(5);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(3);
    }
  }

  @Test
  public void aDroppedCursorNoLongerHoldsBackRetention() {
    try (RingBuffer log = create(KEEP_NOTHING)) {
      log.openCursor("fast");
      log.openCursor("gone");
      log.append(TestEvents.tracks("a", 10)).join();
      log.commit("fast", 10).join();
      prune(log);
      assertThat(log.read(0, 100)).hasSize(10);
      log.dropCursor("gone").join();
      log.dropCursor("never-existed").join();
      assertThat(log.cursors()).containsOnlyKeys("fast");
      assertThat(log.stats().unconsumedEvents()).isZero();
      assertThatThrownBy(() -> log.commit("gone", 5).join()).hasCauseInstanceOf(IllegalArgumentException.class);
      log.append(TestEvents.tracks("b", 1)).join();
      prune(log);
      assertThat(log.read(0, 100)).extracting(LogRecord::sequence).containsExactly(11L);
      assertThat(log.openCursor("gone")).isEqualTo(10);
    }
  }

  /** Payload texts intake can accept, each to come back from the log exactly as it went in. */
  private static List<String> exactTexts() {
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
  public void payloadAndContextTextComeBackExactlyAsAppended() {
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
  public void aRecordThatCannotBeDecodedIsReadAsRawBytesWithAReasonAndDoesNotStopReaders() {
    byte[] cut = "{\"v\":1,\"id\":\"secret-id\",\"payload\":{\"hello\":".getBytes(StandardCharsets.UTF_8);
    byte[] newer = "{\"v\":2,\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    try (RingBuffer log = create()) {
      log.openCursor("sink");
      log.append(TestEvents.tracks("a", 4)).join();
      assumeTrue(corrupt(log, 2, cut), "the log's storage cannot be reached to damage a record");
      assertThat(corrupt(log, 3, newer)).isTrue();
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
  public void futuresNeverCompleteOnTheWriterThreadSoTheirCallbacksMayWaitForTheLog() throws Exception {
    try (RingBuffer log = create()) {
      log.openCursor("s");
      AtomicReference<String> appendThread = new AtomicReference<>();
      AtomicReference<String> commitThread = new AtomicReference<>();
      CompletableFuture<Long> nested;
      CompletableFuture<Long> afterCommit;
      try (AutoCloseable ignored = holdCommits(log)) {
        // Attached before the append can complete: the callback runs wherever the log completes the future.
        nested = log.append(TestEvents.tracks("a", 1)).thenApply(seq -> {
          appendThread.set(Thread.currentThread().getName());
          return log.append(TestEvents.tracks("b", 1)).join();
        });
      }
      assertThat(nested.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      try (AutoCloseable ignored = holdCommits(log)) {
        afterCommit = log.commit("s", 2).thenApply(v -> {
          commitThread.set(Thread.currentThread().getName());
          return log.append(TestEvents.tracks("c", 1)).join();
        });
      }
      assertThat(afterCommit.get(10, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(appendThread.get()).isNotEqualTo("eventkit-log-writer");
      assertThat(commitThread.get()).isNotEqualTo("eventkit-log-writer");
    }
  }

  @Test
  public void theCapacityCheckAndTheAppendAreOneStepForConcurrentAppenders() throws Exception {
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
              mine.add(log.append(TestEvents.tracks(prefix + i, 1)));
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
  public void aBatchLargerThanTheWholeCapacityFailsAtOnceWithBatchTooLarge() {
    RetentionPolicy five = RetentionPolicy.builder().capacityEvents(5).capacityBytes(4_000).build();
    try (RingBuffer log = create(five)) {
      log.openCursor("s");
      CompletableFuture<Long> tooMany = log.append(TestEvents.tracks("a", 6));
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
      assertThat(log.append(TestEvents.tracks("b", 5)).join()).isEqualTo(5);
      // At capacity, a batch that fits the capacity is refused as full (for now), not as too large.
      assertThatThrownBy(() -> log.append(TestEvents.tracks("c", 1)).join())
          .hasCauseInstanceOf(BufferFullException.class);
    }
  }

  @Test
  public void aHealthyLogSaysSo() {
    try (RingBuffer log = create()) {
      log.append(TestEvents.tracks("a", 1)).join();
      assertThat(log.health().state()).isEqualTo(LogHealth.State.OK);
      assertThat(log.health().failingSince()).isNull();
      assertThat(log.stats().health().isFailing()).isFalse();
    }
  }
}
