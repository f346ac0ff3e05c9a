package dev.eventkit.gcp.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/**
 * One emulator stopped mid-stream and started again under a real pipeline whose only sink writes to it: events
 * stored before the stop are checked, events collected while it is down make the sink retry, and after the restart
 * every event collected during and after the outage must be stored exactly once. The emulators keep data in
 * memory, so a restarted one comes back empty and the sink must re-create what it needs.
 */
public final class OutageScenario {

  private OutageScenario() {}

  /**
   * Runs the scenario.
   *
   * @param pipeline a started pipeline with the sink under test as its only sink
   * @param server the emulator to stop and start ({@code gcs}, {@code bigquery}, …)
   * @param stored the event ids the destination holds now (an empty list when its container is gone)
   * @param timePrecision how finely the destination keeps receive times
   * @param flushTimeout how long delivery may take after the restart
   */
  public static void run(Pipeline pipeline, String server, Supplier<List<String>> stored, ChronoUnit timePrecision,
      Duration flushTimeout) throws Exception {
    List<Envelope> before = envelopes("before", 30, timePrecision);
    pipeline.collect(before).join();
    await(() -> stored.get().size() >= 30, Duration.ofSeconds(30), "the first events are stored");
    assertThat(stored.get()).containsExactlyInAnyOrderElementsOf(ids(before));

    List<Envelope> during = envelopes("during", 50, timePrecision);
    TestServers.stop(server);
    try {
      for (int i = 0; i < during.size(); i += 10) {
        pipeline.collect(during.subList(i, i + 10)).join();
      }
      await(() -> {
        SinkStatus s = pipeline.status().sinks().get(0);
        return s.retried() > 0 && s.lagEvents() > 0;
      }, Duration.ofSeconds(30), "the sink retries against the stopped server");
    } finally {
      TestServers.start(server);
    }
    List<Envelope> after = envelopes("after", 20, timePrecision);
    pipeline.collect(after).join();
    assertThat(dev.eventkit.testing.Flushing.flushed(pipeline, flushTimeout)).as(
        "everything delivered after the restart").isTrue();

    List<String> expected = new ArrayList<>(ids(during));
    expected.addAll(ids(after));
    assertThat(stored.get()).as("each event once, none lost").containsExactlyInAnyOrderElementsOf(expected);
  }

  private static List<Envelope> envelopes(String prefix, int count, ChronoUnit precision) {
    Instant now = Instant.now().truncatedTo(precision);
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Envelope.builder().id(prefix + "-" + i).protocol("segment").receivedAt(now)
          .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"i\":" + i + "}").build());
    }
    return out;
  }

  private static List<String> ids(List<Envelope> envelopes) {
    return envelopes.stream().map(Envelope::id).toList();
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
  public static void await(BooleanSupplier condition, Duration timeout, String what) {
    Awaitility.await().alias(what).atMost(timeout).pollInterval(Duration.ofMillis(100))
        .until(condition::getAsBoolean);
  }
}
