package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.FakeWriteApi.Append;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed-stream mode's exactly-once bookkeeping, which the BigQuery emulator cannot show (it ignores
 * offsets): the Storage Write API side is {@link FakeWriteApi}, a loopback gRPC server keeping the service's
 * offset rules; tables are still created through the emulator's REST API. The sink runs the real client library.
 */
class CommittedStreamOffsetsTest {

  private static final Instant T = Instant.parse("2026-06-01T12:00:00Z");
  private FakeWriteApi fake;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
  }

  @BeforeEach
  void startFake() throws Exception {
    fake = new FakeWriteApi();
  }

  @AfterEach
  void stopFake() throws Exception {
    fake.close();
  }

  private BigQueryStreamingSink.Builder sink() {
    String table = BigQueryStreamingSinkTest.newTable("offsets");
    return BigQueryStreamingSinkTest.sink("ds_" + table, table, WriteMode.COMMITTED_STREAM)
        .writeApiEmulatorHost(fake.address()).appendTimeout(Duration.ofSeconds(2));
  }

  private static WriteResult write(BigQueryStreamingSink sink, List<Envelope> batch) throws Exception {
    return sink.write(batch).get(60, TimeUnit.SECONDS);
  }

  private static List<String> ids(List<Envelope> a, List<Envelope> b) {
    List<String> out = new ArrayList<>();
    a.forEach(e -> out.add(e.id()));
    b.forEach(e -> out.add(e.id()));
    return out;
  }

  @ParameterizedTest(name = "connection per append: {0}")
  @ValueSource(booleans = {false, true})
  void aBatchRetriedAfterAnUnansweredAppendIsNotStoredTwice(boolean connectionPerAppend) throws Exception {
    List<Envelope> b1 = BigQueryStreamingSinkTest.envelopes("one", 5, T);
    List<Envelope> b2 = BigQueryStreamingSinkTest.envelopes("two", 3, T);
    try (BigQueryStreamingSink sink = sink().connectionPerAppend(connectionPerAppend).build()) {
      fake.swallowNextAcknowledgement();
      WriteResult lost = write(sink, b1);
      assertThat(lost.batchFailure().retryable()).isTrue();

      WriteResult held = write(sink, b2);
      assertThat(held.batchFailure().retryable()).isTrue();
      assertThat(held.batchFailure().reason()).contains("unsettled");

      assertThat(write(sink, b1).isSuccess()).as("the retry finds its rows already stored").isTrue();
      assertThat(write(sink, b2).isSuccess()).isTrue();
    }
    assertThat(fake.streamNames()).hasSize(1);
    String stream = fake.streamNames().get(0);
    assertThat(fake.stored(stream)).containsExactlyElementsOf(ids(b1, b2));
    assertThat(fake.appends()).extracting(Append::offset, Append::outcome)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, "STORED_UNANSWERED"),
            org.assertj.core.groups.Tuple.tuple(0L, "ALREADY_EXISTS"),
            org.assertj.core.groups.Tuple.tuple(5L, "STORED"));
    assertThat(fake.isFinalized(stream)).as("closing the sink finalises its stream").isTrue();
  }

  @Test
  void anUnsettledBatchNotRetriedInTimeMovesWritingToANewStream() throws Exception {
    List<Envelope> b1 = BigQueryStreamingSinkTest.envelopes("gone", 4, T);
    List<Envelope> b2 = BigQueryStreamingSinkTest.envelopes("next", 2, T);
    try (BigQueryStreamingSink sink = sink().settleTimeout(Duration.ZERO).build()) {
      fake.swallowNextAcknowledgement();
      assertThat(write(sink, b1).batchFailure().retryable()).isTrue();
      // The dispatcher gave b1 up (dead-lettered it): the next batch may not wait behind it for ever.
      assertThat(write(sink, b2).isSuccess()).isTrue();
    }
    List<String> streams = fake.streamNames();
    assertThat(streams).hasSize(2);
    assertThat(fake.isFinalized(streams.get(0))).isTrue();
    assertThat(fake.stored(streams.get(1))).containsExactlyElementsOf(ids(b2, List.of()));
    assertThat(fake.appends()).filteredOn(a -> a.stream().equals(streams.get(1))).extracting(Append::offset)
        .containsExactly(0L);
  }

  @Test
  void eachBatchIsAppendedAtTheEndOfTheRowsBeforeIt() throws Exception {
    List<Envelope> b1 = BigQueryStreamingSinkTest.envelopes("x", 5, T);
    List<Envelope> b2 = BigQueryStreamingSinkTest.envelopes("y", 3, T);
    List<Envelope> b3 = BigQueryStreamingSinkTest.envelopes("z", 2, T);
    try (BigQueryStreamingSink sink = sink().connectionPerAppend(false).build()) {
      assertThat(write(sink, b1).isSuccess()).isTrue();
      assertThat(write(sink, b2).isSuccess()).isTrue();
      assertThat(write(sink, b3).isSuccess()).isTrue();
    }
    assertThat(fake.appends()).extracting(Append::offset).containsExactly(0L, 5L, 8L);
    assertThat(fake.appends()).extracting(Append::outcome).containsOnly("STORED");
  }
}
