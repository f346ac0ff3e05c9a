/**
 * Pub/Sub: a sink, and a distributed queue whose collector hosts publish the log and whose workers deliver.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.gcp.pubsub;
