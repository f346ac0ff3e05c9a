/**
 * Firestore: a sink writing one document per event id.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.gcp.firestore;
