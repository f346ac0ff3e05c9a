package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.TableId;

/**
 * Remembers whether the events table is known to exist, creating it (and its dataset) on demand. Writers call
 * {@link #invalidate()} after a failure, so the next attempt checks again: an emulator restart or a deleted table
 * is then repaired instead of failing forever. Thread-safe.
 */
final class TableGuard {

  private final BigQuery bigQuery;
  private final TableId table;
  private final String location;
  private final boolean create;
  private volatile boolean ready;

  TableGuard(BigQuery bigQuery, TableId table, String location, boolean create) {
    this.bigQuery = bigQuery;
    this.table = table;
    this.location = location;
    this.create = create;
  }

  TableId table() {
    return table;
  }

  BigQuery bigQuery() {
    return bigQuery;
  }

  /** Makes sure the table exists; throws the client's {@link BigQueryException} when it cannot. */
  synchronized void ensure() {
    if (ready) {
      return;
    }
    if (create) {
      EventsTables.ensure(bigQuery, table, location);
    } else if (bigQuery.getTable(table) == null) {
      throw new BigQueryException(404, "table " + table.getDataset() + "." + table.getTable()
          + " does not exist and the sink may not create it");
    }
    ready = true;
  }

  /** Whether the table exists now (asks the service). */
  boolean exists() {
    return bigQuery.getTable(table) != null;
  }

  void invalidate() {
    ready = false;
  }
}
