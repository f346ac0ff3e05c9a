package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One of two sinks fails for a while: the other keeps delivering at once, and the failing one catches up. */
class SinkIsolationTest {

  @TempDir
  Path dir;

  @Test
  void aFailingSinkNeitherDelaysTheHealthyOneNorLosesItsEvents() throws Exception {
    ControllableSink healthy = new ControllableSink("healthy");
    ControllableSink failing = new ControllableSink("failing");
    RetryPolicy fastRetry = RetryPolicy.builder().initialDelay(Duration.ofMillis(10))
        .maxDelay(Duration.ofMillis(200)).build();
    try (Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .retry(fastRetry)
        .sink(healthy)
        .sink(failing)
        .batchSize(50)
        .build().start()) {

      // Baseline: both sinks up.
      List<String> ids = new ArrayList<>();
      long baselineWorst = sendAndMeasure(pipeline, healthy, "base", 20, ids);

      failing.setDown(true);
      long outageWorst = sendAndMeasure(pipeline, healthy, "outage", 100, ids);
      assertThat(failing.writeCalls()).as("the failing sink was being retried").isGreaterThan(1);
      SinkStatus failingStatus = status(pipeline, "failing");
      assertThat(failingStatus.state()).isIn(SinkState.RETRYING, SinkState.FAILING);
      assertThat(failingStatus.lagEvents()).isGreaterThanOrEqualTo(100);
      assertThat(status(pipeline, "healthy").state()).isEqualTo(SinkState.OK);

      // The healthy sink's delivery is as prompt during the outage as before it: every single event arrived
      // within a second of being accepted, whatever the failing sink's backoff does.
      assertThat(outageWorst).isLessThan(Duration.ofSeconds(1).toNanos());
      assertThat(baselineWorst).isLessThan(Duration.ofSeconds(1).toNanos());

      failing.setDown(false);
      failing.awaitIds(ids, Duration.ofSeconds(20));
      healthy.awaitIds(ids, Duration.ofSeconds(5));
      assertThat(flushed(pipeline, Duration.ofSeconds(10))).isTrue();
      assertThat(status(pipeline, "failing").lagEvents()).isZero();
      assertThat(status(pipeline, "failing").state()).isEqualTo(SinkState.OK);
    }
  }

  private static SinkStatus status(Pipeline p, String name) {
    return p.status().sinks().stream().filter(s -> s.sink().equals(name)).findFirst().orElseThrow();
  }

  /** Sends events one by one; returns the worst time from durable acceptance to arrival at {@code sink}. */
  private static long sendAndMeasure(Pipeline pipeline, ControllableSink sink, String prefix, int count,
      List<String> ids) throws Exception {
    long worst = 0;
    for (int i = 0; i < count; i++) {
      Envelope e = Envelopes.track(prefix + i);
      ids.add(e.id());
      pipeline.collect(e).join();
      long accepted = System.nanoTime();
      sink.awaitIds(List.of(e.id()), Duration.ofSeconds(5));
      worst = Math.max(worst, sink.arrivalOf(e.id()) - accepted);
    }
    return worst;
  }
}
