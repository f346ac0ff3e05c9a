package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TimePartitioning;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the dataset and the events table on demand: {@link EnvelopeRow#schema()}, partitioned by day of
 * {@code received_at}, clustered by {@code stream}. An existing table is used as it is (never altered). Creation
 * races (another collector creating the same table) are tolerated. Stateless and thread-safe; client errors
 * propagate as {@link BigQueryException}.
 */
final class EventsTables {

  private static final Logger LOG = LoggerFactory.getLogger(EventsTables.class);

  private EventsTables() {}

  static void ensure(BigQuery bigQuery, TableId table, String location) {
    DatasetId dataset = table.getProject() == null ? DatasetId.of(table.getDataset())
        : DatasetId.of(table.getProject(), table.getDataset());
    if (bigQuery.getDataset(dataset) == null) {
      try {
        DatasetInfo.Builder info = DatasetInfo.newBuilder(dataset);
        if (location != null) {
          info.setLocation(location);
        }
        bigQuery.create(info.build());
        LOG.info("created BigQuery dataset {}", dataset.getDataset());
      } catch (BigQueryException e) {
        // Someone else may have created it meanwhile (the emulator answers 500 rather than 409 then).
        if (bigQuery.getDataset(dataset) == null) {
          throw e;
        }
      }
    }
    if (bigQuery.getTable(table) == null) {
      StandardTableDefinition definition = StandardTableDefinition.newBuilder()
          .setSchema(EnvelopeRow.schema())
          .setTimePartitioning(TimePartitioning.newBuilder(TimePartitioning.Type.DAY)
              .setField(EnvelopeRow.RECEIVED_AT).build())
          .setClustering(Clustering.newBuilder().setFields(List.of(EnvelopeRow.STREAM)).build())
          .build();
      try {
        bigQuery.create(TableInfo.of(table, definition));
        LOG.info("created BigQuery table {}.{}", table.getDataset(), table.getTable());
      } catch (BigQueryException e) {
        if (e.getCode() != 409 && bigQuery.getTable(table) == null) {
          throw e;
        }
      }
    }
  }
}
