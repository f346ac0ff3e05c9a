package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.Envelope;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.gcp.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The BigQuery emulator stopped mid-stream and started again, under a real pipeline (SQLite log, retry policy), in
 * each write mode: the dispatcher's retries carry every event collected during and after the outage into the
 * table exactly once. The emulator comes back empty, so the sink must re-create dataset and table (and, for the
 * Write API, look its stream up again). Times are whole seconds (see {@link BigQueryStreamingSinkTest}).
 */
class BigQueryStreamingOutageTest {

  @TempDir
  Path dir;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
  }

  private static List<Envelope> envelopes(String prefix, int count) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
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

  private static List<String> storedIds(BigQuery bigQuery, TableId table) {
    if (bigQuery.getTable(table) == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (FieldValueList row : bigQuery.listTableData(table, EnvelopeRow.schema()).iterateAll()) {
      out.add(row.get(EnvelopeRow.EVENT_ID).getStringValue());
    }
    return out;
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  @ParameterizedTest
  @EnumSource(WriteMode.class)
  void retriesCarryDeliveryThroughAStoppedAndRestartedEmulator(WriteMode mode) throws Exception {
    String table = BigQueryStreamingSinkTest.newTable("outage");
    String dataset = "ds_" + table;
    BigQuery bigQuery = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"),
        null, null);
    BigQueryStreamingSink sink = BigQueryStreamingSinkTest.sink(dataset, table, mode)
        .appendTimeout(Duration.ofSeconds(10)).settleTimeout(Duration.ofSeconds(5)).build();
    TableId id = sink.table();
    RetryPolicy retry = RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
        .build();
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db"))).sink(sink, retry)
        .batchSize(20).build().start()) {
      List<Envelope> before = envelopes("before", 30);
      p.collect(before).join();
      await(() -> storedIds(bigQuery, id).size() >= 30, Duration.ofSeconds(30), "the first events are stored");
      assertThat(storedIds(bigQuery, id)).containsExactlyInAnyOrderElementsOf(ids(before));

      List<Envelope> during = envelopes("during", 50);
      TestServers.stop("bigquery");
      try {
        for (int i = 0; i < during.size(); i += 10) {
          p.collect(during.subList(i, i + 10)).join();
        }
        await(() -> {
          SinkStatus s = p.status().sinks().get(0);
          return s.retried() > 0 && s.lagEvents() > 0;
        }, Duration.ofSeconds(30), "the sink retries against the stopped emulator");
      } finally {
        TestServers.start("bigquery");
      }
      List<Envelope> after = envelopes("after", 20);
      p.collect(after).join();
      assertThat(p.flush(Duration.ofSeconds(90))).as("everything delivered after the restart").isTrue();

      List<String> expected = new ArrayList<>(ids(during));
      expected.addAll(ids(after));
      assertThat(storedIds(bigQuery, id)).as("each event once, none lost")
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }
}
