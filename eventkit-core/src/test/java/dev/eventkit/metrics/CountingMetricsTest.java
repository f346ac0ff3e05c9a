package dev.eventkit.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.internal.metrics.TagValues;
import org.junit.jupiter.api.Test;

class CountingMetricsTest {

  @Test
  void streamsChosenByClientsCannotGrowTheCountersWithoutBound() {
    CountingMetrics metrics = new CountingMetrics();
    for (int i = 0; i < 10_000; i++) {
      metrics.accepted("stream-" + i, 1);
    }
    metrics.accepted("stream-0", 1);

    assertThat(metrics.snapshot()).hasSize(TagValues.DEFAULT_LIMIT + 1);
    assertThat(metrics.get("accepted.stream-0")).isEqualTo(2);
    assertThat(metrics.get("accepted._other")).isEqualTo(10_000 - TagValues.DEFAULT_LIMIT);
    // Every event is still counted, under its own tag or under _other.
    assertThat(metrics.snapshot().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_001);
  }

  @Test
  void eachKindHasItsOwnBound() {
    CountingMetrics metrics = new CountingMetrics();
    for (int i = 0; i < TagValues.DEFAULT_LIMIT; i++) {
      metrics.accepted("stream-" + i, 1);
    }
    metrics.delivered("file", 3);

    assertThat(metrics.get("delivered.file")).isEqualTo(3);
  }
}
