package dev.eventkit.gcp.bigquery;

/**
 * How {@link BigQueryStreamingSink} writes rows, and what a replay costs.
 */
public enum WriteMode {

  /**
   * The Storage Write API's {@code _default} stream: rows are committed on append, appends may run in parallel,
   * the cheapest and most scalable mode. At least once: a batch retried after an append whose outcome was unknown
   * (a timeout, a dropped connection) may be stored twice; deduplicate by {@code event_id} in queries.
   */
  DEFAULT_STREAM,

  /**
   * A COMMITTED-type write stream of the sink's own, written with explicit offsets, one append at a time. A batch
   * retried after an append whose outcome was unknown is appended again at the same offset, which BigQuery refuses
   * with ALREADY_EXISTS when the first attempt landed: no duplicate. This holds for the stream's lifetime, i.e.
   * within one process; after a restart the sink opens a new stream, so events re-delivered after a crash are
   * stored again (at least once across restarts). Serial appends make it slower than {@link #DEFAULT_STREAM}.
   */
  COMMITTED_STREAM,

  /**
   * The legacy streaming API ({@code tabledata.insertAll}), with the event id as {@code insertId}: BigQuery
   * drops a row whose insertId it saw within about the last minute (best effort). The fallback where the Storage
   * Write API (gRPC) is not available.
   */
  INSERT_ALL
}
