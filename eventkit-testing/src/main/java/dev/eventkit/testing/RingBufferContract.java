package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.buffer.BufferFullException;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.event.Envelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link RingBuffer} shares, as a JUnit 5 test class a log's implementation test extends: it
 * provides {@link #create(RetentionPolicy)} (a new, empty log) and {@link #prune(RingBuffer)} (run retention now),
 * and inherits the tests: ordered sequences, cursors that start before the oldest record and only move forward,
 * retention that never deletes what an open cursor has not consumed, capacity refusals that recover, concurrent
 * appends, append listeners after commit, and a closed log refusing appends.
 *
 * <p>Thread-safety: JUnit creates one instance per test. Failure modes: a test fails with AssertJ's message naming
 * the broken property.
 */
public abstract class RingBufferContract {

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
      assertThat(seen.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2);
    }
  }

  @Test
  public void aClosedLogRefusesAppends() {
    RingBuffer log = create();
    log.close();
    assertThatThrownBy(() -> log.append(TestEvents.tracks("a", 1)).join()).isInstanceOf(CompletionException.class);
  }
}
