package dev.eventkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.internal.metrics.TagValues;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {

  @Test
  void requestChosenTagValuesCannotCreateMetersWithoutBound() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerMetrics metrics = new MicrometerMetrics(registry);
    for (int i = 0; i < 5_000; i++) {
      metrics.accepted("stream-" + i, 1);
      metrics.request("M" + i, "/collect/{stream}", 202, 1_000);
    }

    assertThat(registry.find("eventkit.events.accepted").counters()).hasSize(TagValues.DEFAULT_LIMIT + 1);
    assertThat(registry.get("eventkit.events.accepted").tag("stream", TagValues.OTHER).counter().count())
        .isEqualTo(5_000 - TagValues.DEFAULT_LIMIT);
    assertThat(registry.find("eventkit.http.requests").timers()).hasSize(TagValues.DEFAULT_LIMIT + 1);
    assertThat(registry.get("eventkit.events.accepted").tag("stream", "stream-7").counter().count()).isEqualTo(1);
  }
}
