package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link Sink} keeps, as a JUnit 5 test class a sink's author extends. The subclass provides
 * {@link #createSink()} (a new sink over a fresh destination, e.g. in {@link #tempDir} or an emulator) and
 * {@link #deliveredIds(Sink)} (the ids of what the destination now holds, read back from the destination itself,
 * one entry per stored copy), and declares {@link #idempotent()} if a replay stores nothing new. The inherited tests
 * check that:
 *
 * <ul>
 * <li>a batch reported delivered is in the destination in full, with its ids;
 * <li>a write's result is non-null and has an outcome for every event, and the events it reports delivered are the
 * ones the destination holds;
 * <li>a replay of a batch (at-least-once delivery) stores each event at least once, exactly once if the sink
 * declares itself idempotent;
 * <li>{@link Sink#flush()} and {@link Sink#shutdown()} complete, with and without writes, and what was delivered
 * stays delivered after shutdown;
 * <li>writes issued before earlier ones completed (as the pipeline issues up to its {@code workers} batches) are all
 * delivered.
 * </ul>
 *
 * <p>Override {@link #events(String, int)} for a sink that needs events of a particular shape, and
 * {@link #timeout()} for a slow destination. A sink whose destination keeps no ids (one that only counts, or
 * forwards to where a test cannot look) returns false from {@link #readsIds()} and gives
 * {@link #deliveredCount(Sink)}: the tests then compare counts where they compare ids, which checks less (a lost
 * event and a duplicate of another cancel out, and a replay cannot be told from a new event), and their failure
 * messages say so.
 *
 * <p>Thread-safety: JUnit creates one instance per test; {@link Sink#write} is called from the test thread only, as
 * the pipeline calls it from one thread per sink. Failure modes: a test fails with the property broken; a future
 * that does not complete within {@link #timeout()} fails the test rather than hanging it.
 *
 * @param <S> the sink under test
 */
public abstract class SinkContract<S extends Sink> {

  /** A directory of the test's own, removed after it; for sinks that write files. */
  @TempDir
  protected Path tempDir;

  private final List<S> created = new ArrayList<>();

  /** A new sink over a fresh destination; the contract shuts each one down after the test. */
  protected abstract S createSink() throws Exception;

  /**
   * The ids of the events the sink's destination holds now, one entry per stored copy (a replay that stored a second
   * copy yields the id twice), read from the destination rather than from the sink's memory where possible. Each test
   * calls it once, after its writes completed and a flush, so a destination that can only be read by consuming it (a
   * subscription created in {@link #createSink()}, a topic read to its end offsets) fits too.
   */
  protected abstract List<String> deliveredIds(S sink) throws Exception;

  /**
   * Whether the destination can be read back by id; true by default. A sink that returns false gives
   * {@link #deliveredCount(Sink)}, and its {@link #deliveredIds(Sink)} is never called.
   */
  protected boolean readsIds() {
    return true;
  }

  /**
   * How many events the destination holds now, counting each stored copy; called instead of
   * {@link #deliveredIds(Sink)} when {@link #readsIds()} is false. The default counts {@code deliveredIds}.
   */
  protected long deliveredCount(S sink) throws Exception {
    return deliveredIds(sink).size();
  }

  /** Whether writing an event again stores nothing new (documents keyed by id, insert ids); false by default. */
  protected boolean idempotent() {
    return false;
  }

  /** The events the tests write: {@code count} events with distinct ids starting with {@code prefix}. */
  protected List<Envelope> events(String prefix, int count) {
    return TestEvents.tracks(prefix, count);
  }

  /** How long any one future may take; 30 seconds by default. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** A sink from {@link #createSink()}, shut down after the test. */
  protected final S newSink() throws Exception {
    S sink = createSink();
    created.add(sink);
    return sink;
  }

  @AfterEach
  protected void shutDownSinks() throws Exception {
    for (S sink : created) {
      try {
        sink.shutdown().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // The test that shut it down already asserted on that; a second shutdown may fail on a closed sink.
      }
    }
  }

  private <T> T await(CompletableFuture<T> future, String what) throws Exception {
    assertThat(future).as("%s returned a future", what).isNotNull();
    return future.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private WriteResult write(S sink, List<Envelope> batch) throws Exception {
    WriteResult result = await(sink.write(batch), "write");
    assertThat(result).as("the write's result").isNotNull();
    return result;
  }

  private static List<String> ids(Collection<Envelope> events) {
    return events.stream().map(Envelope::id).collect(Collectors.toList());
  }

  /** Ids of the events the result reports delivered. */
  private static List<String> reportedDelivered(List<Envelope> batch, WriteResult result) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      if (result.failureOf(i) == null) {
        out.add(batch.get(i).id());
      }
    }
    return out;
  }

  /** The destination holds exactly these events, once each. */
  private void assertHoldsExactly(S sink, List<String> expected) throws Exception {
    if (readsIds()) {
      assertThat(deliveredIds(sink)).containsExactlyInAnyOrderElementsOf(expected);
    } else {
      assertThat(deliveredCount(sink)).as("events stored (compared by count: the destination keeps no ids)")
          .isEqualTo(expected.size());
    }
  }

  /** The destination holds at least these events, and, if {@code onlyThese}, nothing else. */
  private void assertHoldsAll(S sink, List<String> expected, boolean onlyThese) throws Exception {
    if (readsIds()) {
      List<String> stored = deliveredIds(sink);
      assertThat(stored).containsAll(expected);
      if (onlyThese) {
        assertThat(stored).allMatch(expected::contains);
      }
    } else {
      assertThat(deliveredCount(sink)).as("events stored (compared by count: the destination keeps no ids)")
          .isGreaterThanOrEqualTo(expected.size());
    }
  }

  @Test
  public void aBatchReportedDeliveredIsInTheDestinationInFull() throws Exception {
    S sink = newSink();
    List<Envelope> batch = events("full-", 100);
    WriteResult result = write(sink, batch);
    assertThat(result.isSuccess()).as("a healthy destination takes a valid batch: %s", result).isTrue();
    await(sink.flush(), "flush");
    assertHoldsExactly(sink, ids(batch));
  }

  @Test
  public void everyEventHasAnOutcomeAndTheDeliveredOnesAreStored() throws Exception {
    S sink = newSink();
    List<Envelope> first = events("first-", 7);
    List<Envelope> second = events("second-", 1);
    List<String> reported = new ArrayList<>();
    for (List<Envelope> batch : List.of(first, second)) {
      WriteResult result = write(sink, batch);
      if (result.isSuccess()) {
        for (int i = 0; i < batch.size(); i++) {
          assertThat(result.failureOf(i)).as("outcome of event %d of a successful write", i).isNull();
        }
      } else if (result.batchFailure() == null) {
        assertThat(reportedDelivered(batch, result)).as("a partial result names the failed events")
            .hasSizeLessThan(batch.size());
      }
      reported.addAll(reportedDelivered(batch, result));
    }
    await(sink.flush(), "flush");
    assertHoldsAll(sink, reported, false);
  }

  @Test
  public void aReplayStoresEachEventAtLeastOnceOrExactlyOnceWhenIdempotent() throws Exception {
    S sink = newSink();
    List<Envelope> batch = events("replay-", 20);
    assertThat(write(sink, batch).isSuccess()).isTrue();
    assertThat(write(sink, batch).isSuccess()).as("a replayed batch is accepted again").isTrue();
    await(sink.flush(), "flush");
    if (idempotent()) {
      assertHoldsExactly(sink, ids(batch));
    } else {
      assertHoldsAll(sink, ids(batch), true);
    }
  }

  @Test
  public void flushAndShutdownCompleteAndDeliveredEventsStayDelivered() throws Exception {
    S sink = newSink();
    List<Envelope> batch = events("shut-", 10);
    assertThat(write(sink, batch).isSuccess()).isTrue();
    await(sink.flush(), "flush");
    await(sink.flush(), "a second flush");
    await(sink.shutdown(), "shutdown");
    assertHoldsAll(sink, ids(batch), false);
  }

  @Test
  public void flushAndShutdownCompleteWithNothingWritten() throws Exception {
    S sink = newSink();
    await(sink.flush(), "flush");
    await(sink.shutdown(), "shutdown");
    assertHoldsExactly(sink, List.of());
  }

  @Test
  public void writesIssuedBeforeEarlierOnesCompletedAreAllDelivered() throws Exception {
    S sink = newSink();
    List<List<Envelope>> batches = new ArrayList<>();
    List<CompletableFuture<WriteResult>> outstanding = new ArrayList<>();
    for (int b = 0; b < 8; b++) {
      List<Envelope> batch = events("outstanding-" + b + "-", 25);
      batches.add(batch);
      outstanding.add(sink.write(batch));
    }
    List<String> expected = new ArrayList<>();
    for (int b = 0; b < batches.size(); b++) {
      WriteResult result = await(outstanding.get(b), "write " + b);
      assertThat(result).isNotNull();
      assertThat(result.isSuccess()).as("write %d: %s", b, result).isTrue();
      expected.addAll(ids(batches.get(b)));
    }
    await(sink.flush(), "flush");
    assertHoldsExactly(sink, expected);
  }
}
