/**
 * The write-ahead log ({@link dev.eventkit.buffer.RingBuffer}): the durable SQLite log for production and an
 * in-memory log for tests, with retention, capacity and per-consumer cursors.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.buffer;
