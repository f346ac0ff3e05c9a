package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.gcp.testing.OutageScenario;
import dev.eventkit.gcp.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
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
      OutageScenario.run(p, "bigquery", () -> storedIds(bigQuery, id), ChronoUnit.SECONDS, Duration.ofSeconds(90));
    }
  }
}
