package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.gcp.bigquery.FakeWriteApi.Append;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The default-stream writer against failures only the real Storage Write API shows: an append that is never
 * answered by a server that also never ends the connection (the writer must be given up without holding the write
 * thread, or closing the sink, while the client winds it down), and the 10 MB AppendRows request limit. The Write API is {@link FakeWriteApi}, tables come from
 * {@link FakeBigQueryRest}; the sink runs the real client libraries.
 */
class DefaultStreamFailuresTest {

  private static final Instant T = Instant.parse("2026-06-01T12:00:00Z");
  private FakeWriteApi writeApi;
  private FakeBigQueryRest rest;

  @BeforeEach
  void start() throws Exception {
    writeApi = new FakeWriteApi();
    rest = new FakeBigQueryRest();
    rest.dataset("ds_default", "events", "US");
  }

  @AfterEach
  void stop() {
    writeApi.close();
    rest.close();
  }

  private BigQueryStreamingSink sink(Duration appendTimeout) {
    return BigQueryStreamingSink.builder("ds_default", "events").mode(WriteMode.DEFAULT_STREAM)
        .projectId("test-project").emulatorHost(rest.host()).writeApiEmulatorHost(writeApi.address())
        .connectionPerAppend(false).appendTimeout(appendTimeout).build();
  }

  private String stream() {
    return "projects/test-project/datasets/ds_default/tables/events/streams/_default";
  }

  @Test
  void anUnansweredAppendTimesOutWithoutTheWriteWaitingForTheWriterToClose() throws Exception {
    List<Envelope> batch = BigQueryStreamingSinkTest.envelopes("t", 3, T);
    BigQueryStreamingSink sink = sink(Duration.ofSeconds(1));
    {
      writeApi.swallowAllAcknowledgements();
      long start = System.nanoTime();
      WriteResult r = sink.write(batch).get(60, TimeUnit.SECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.batchFailure().retryable()).isTrue();
      assertThat(took).as("the 1 s append timeout plus a little, not the client's shutdown")
          .isLessThan(Duration.ofSeconds(5));
      long closing = System.nanoTime();
      sink.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void aBatchOverTheRequestLimitIsAppendedInSeveralRequests() throws Exception {
    // 12 rows of about 1 MB each: one request would exceed the 10 MB AppendRows limit.
    String big = "x".repeat(1_000_000);
    List<Envelope> batch = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      batch.add(Envelope.builder().id("big-" + i).protocol("segment").stream("web")
          .payloadJson("{\"type\":\"track\",\"blob\":\"" + big + "\"}").receivedAt(T.plusSeconds(i))
          .collector(new CollectorInfo("eventkit-test", "0.1")).validation(Validation.valid()).build());
    }
    try (BigQueryStreamingSink sink = sink(Duration.ofSeconds(30))) {
      WriteResult r = sink.write(batch).get(120, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as("%s", r).isTrue();
    }
    assertThat(writeApi.stored(stream())).hasSize(12);
    assertThat(writeApi.appends()).extracting(Append::outcome).containsOnly("STORED").hasSizeGreaterThan(1);
  }
}
