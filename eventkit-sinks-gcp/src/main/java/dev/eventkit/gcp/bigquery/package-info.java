/**
 * BigQuery: a streaming sink (Storage Write API or insertAll) and a loader that loads Cloud Storage objects with
 * load jobs, each exactly once.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.gcp.bigquery;
