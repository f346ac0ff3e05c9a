/**
 * Cloud Storage: a sink writing content-addressed gzip NDJSON objects, and a schema source reading a bucket.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.gcp.gcs;
