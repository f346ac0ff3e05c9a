package dev.eventkit.metrics;

/**
 * Where the pipeline reports what happens to events, as counters. Small on purpose, so that binding it to a
 * metrics library (Micrometer, OpenTelemetry) is one class: each method maps to one counter with a tag or two.
 * {@link CountingMetrics} keeps the counts in memory; {@link #noop()} drops them.
 *
 * <p>Thread-safety: called concurrently from request threads and sink threads; implementations must be
 * thread-safe and must not block. Failure modes: an implementation should not throw; the pipeline guards every call
 * all the same (a throwing binding is logged and ignored: it never fails a stored batch or stalls a delivery).
 *
 * <p>Methods added in later versions have default implementations that do nothing, so bindings keep compiling.
 */
public interface Metrics {

  /** Events committed to the log, by stream. */
  void accepted(String stream, long count);

  /** Events or requests refused at the door, by rejection code ({@code malformed_json}, {@code buffer_full}, …). */
  void rejected(String code, long count);

  /** Accepted events that failed validation, by error ({@code payload_invalid}, …). */
  void invalid(String error, long count);

  /** Events a sink delivered. */
  void delivered(String sink, long count);

  /** Event deliveries that were retries, per sink. */
  void retried(String sink, long count);

  /** Events a sink gave up on and sent to the dead-letter sink. */
  void deadLettered(String sink, long count);

  /** Events an {@code EventInterceptor} threw on (each went on unchanged). */
  default void interceptorFailed(long count) {}

  /** Events an {@code EventInterceptor} dropped on purpose, by stream. */
  default void dropped(String stream, long count) {}

  /**
   * One request the collector answered: its method, the template of the route it matched ({@code /collect/{stream}},
   * {@code (unrouted)} when none did, so the values stay few), the status sent, and the time from
   * {@code Collector.handle} to the response being ready (including the wait for durability), in nanoseconds.
   */
  default void request(String method, String route, int status, long nanos) {}

  /** Metrics that go nowhere. */
  static Metrics noop() {
    return NoopMetrics.INSTANCE;
  }
}
