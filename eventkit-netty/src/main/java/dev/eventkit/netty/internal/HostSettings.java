package dev.eventkit.netty.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The limits a connection is served with, fixed when the host starts. Immutable and thread-safe (the executor is
 * shared as given).
 *
 * @param maxBodyBytes the largest body accepted (the collector's limit); larger ones are answered 413
 * @param maxRequestLineBytes the longest request line; longer ones are answered 414 and the connection closed
 * @param maxHeaderBytes the most header bytes; more are answered 431 and the connection closed
 * @param headerTimeoutNanos how long a client may take from the first byte of a request to its last header
 * @param bodyTimeoutNanos how long a body may take beyond what {@code minBodyBytesPerSecond} allows for it
 * @param minBodyBytesPerSecond the slowest sustained body upload tolerated
 * @param idleTimeoutNanos how long a connection may stay open with no request in progress and nothing to answer
 * @param maxPipelinedRequests requests read ahead of their responses before the host stops reading
 * @param requestExecutor where {@code Collector.handle} runs, or null for the connection's event loop
 */
public record HostSettings(int maxBodyBytes, int maxRequestLineBytes, int maxHeaderBytes, long headerTimeoutNanos,
    long bodyTimeoutNanos, long minBodyBytesPerSecond, long idleTimeoutNanos, int maxPipelinedRequests,
    Executor requestExecutor) {

  /** How much of an oversized body is read and dropped (to answer 413 cleanly) before the connection closes. */
  static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;

  /**
   * How often each connection checks its deadlines: a quarter of the shortest timeout, between 10 ms and 1 s, so
   * that a timeout fires at most that late and a busy connection pays nothing per request for its timers.
   */
  long tickNanos() {
    long shortest = Math.min(headerTimeoutNanos, Math.min(bodyTimeoutNanos, idleTimeoutNanos));
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), shortest / 4));
  }
}
