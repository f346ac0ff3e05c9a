package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.gcp.internal.ClientHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every Google Cloud client eventkit builds names eventkit in its user agent, so that a project's request logs
 * and quota pages tell its traffic apart: BigQuery REST and the Storage Write API, against loopback servers that
 * record the header. (Pub/Sub: {@code TopicRepairTest}.)
 */
class UserAgentTest {

  @Test
  void bigQueryRestAndWriteApiCallsNameEventkit() throws Exception {
    try (FakeBigQueryRest rest = new FakeBigQueryRest(); FakeWriteApi writeApi = new FakeWriteApi()) {
      rest.dataset("ds_ua", "events", "US");
      try (BigQueryStreamingSink sink = BigQueryStreamingSink.builder("ds_ua", "events")
          .mode(WriteMode.DEFAULT_STREAM).projectId("test-project").emulatorHost(rest.host())
          .writeApiEmulatorHost(writeApi.address()).connectionPerAppend(false).appendTimeout(Duration.ofSeconds(10))
          .build()) {
        assertThat(sink.write(BigQueryStreamingSinkTest.envelopes("ua", 2, Instant.parse("2026-06-01T12:00:00Z")))
            .get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      assertThat(rest.userAgents()).isNotEmpty().allMatch(ua -> ua.startsWith(ClientHeaders.userAgent()));
      assertThat(writeApi.userAgents()).isNotEmpty().allMatch(ua -> ua.startsWith(ClientHeaders.userAgent()));
    }
  }
}
