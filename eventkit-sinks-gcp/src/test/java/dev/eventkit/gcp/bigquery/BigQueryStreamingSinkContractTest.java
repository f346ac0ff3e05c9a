package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.FieldValueList;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.testing.SinkContract;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * {@link BigQueryStreamingSink} keeps eventkit-testing's sink contract against the BigQuery emulator, in each
 * {@link WriteMode}: the Storage Write API's default and committed streams, and {@code insertAll}. Each sink writes
 * a table of its own, created on demand and read back row by row. None of the modes deduplicates a replay (the
 * emulator ignores insert ids and stream offsets), so the sink does not declare itself idempotent.
 */
class BigQueryStreamingSinkContractTest {

  private static BigQuery bigQuery;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
    bigQuery = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"), null, null);
  }

  /** The contract in one write mode. */
  abstract static class InMode extends SinkContract<BigQueryStreamingSink> {

    abstract WriteMode mode();

    @Override
    protected BigQueryStreamingSink createSink() {
      String table = BigQueryStreamingSinkTest.newTable("contract");
      return BigQueryStreamingSinkTest.sink("ds_" + table, table, mode()).build();
    }

    @Override
    protected List<String> deliveredIds(BigQueryStreamingSink sink) {
      List<String> ids = new ArrayList<>();
      if (bigQuery.getTable(sink.table()) == null) {
        return ids; // created with the first write
      }
      for (FieldValueList row : bigQuery.listTableData(sink.table(), EnvelopeRow.schema()).iterateAll()) {
        ids.add(EnvelopeRow.fromFieldValues(row).id());
      }
      return ids;
    }
  }

  @Nested
  class DefaultStream extends InMode {
    @Override
    WriteMode mode() {
      return WriteMode.DEFAULT_STREAM;
    }
  }

  @Nested
  class CommittedStream extends InMode {
    @Override
    WriteMode mode() {
      return WriteMode.COMMITTED_STREAM;
    }
  }

  @Nested
  class InsertAll extends InMode {
    @Override
    WriteMode mode() {
      return WriteMode.INSERT_ALL;
    }
  }
}
