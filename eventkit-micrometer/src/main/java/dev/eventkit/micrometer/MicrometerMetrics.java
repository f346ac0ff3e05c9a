package dev.eventkit.micrometer;

import dev.eventkit.internal.metrics.TagValues;
import dev.eventkit.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@link Metrics} as Micrometer counters, named after Micrometer's conventions (dot-separated, lower case; the
 * registry renders them for its backend, e.g. {@code eventkit_events_accepted_total} in Prometheus):
 *
 * <ul>
 * <li>{@code eventkit.events.accepted} (tag {@code stream}), {@code eventkit.events.rejected} ({@code code}),
 * {@code eventkit.events.invalid} ({@code error}), {@code eventkit.events.dropped} ({@code stream});
 * <li>{@code eventkit.sink.delivered}, {@code eventkit.sink.retried}, {@code eventkit.sink.dead_lettered}
 * ({@code sink});
 * <li>{@code eventkit.interceptor.failures};
 * <li>{@code eventkit.http.requests}, a timer (tags {@code method}, {@code route} — the matched route's template —
 * and {@code status}): each request the collector answered, from {@code Collector.handle} to its response.
 * </ul>
 *
 * <p>Pass it to {@code PipelineBuilder.metrics(...)}; add {@link PipelineMeterBinder} for the gauges.
 *
 * <p>Thread-safety: thread-safe; after a counter's first use a call is one map lookup and an atomic add, and never
 * blocks. Failure modes: none of its own; the tag values are the pipeline's own small sets (stream names, rejection
 * codes, error kinds, sink names), never payload data. Stream names and HTTP methods come from requests, so each
 * meter keeps at most {@value TagValues#DEFAULT_LIMIT} distinct values per tag; later ones are tagged
 * {@code _other}, and the number of meters stays bounded whatever clients send.
 */
public final class MicrometerMetrics implements Metrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, TagValues> tagValues = new ConcurrentHashMap<>();

  /** Counters registered in {@code registry}. */
  public MicrometerMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  private String bound(String name, String tag, String value) {
    return tagValues.computeIfAbsent(name + '\u0000' + tag, k -> new TagValues(TagValues.DEFAULT_LIMIT)).bound(value);
  }

  private void add(String name, String description, String tag, String rawValue, long count) {
    String value = tag == null ? null : bound(name, tag, rawValue);
    String key = name + '\u0000' + tag + '\u0000' + value;
    Counter counter = counters.computeIfAbsent(key, k -> {
      Counter.Builder b = Counter.builder(name).description(description);
      if (tag != null) {
        b.tag(tag, value);
      }
      return b.register(registry);
    });
    counter.increment(count);
  }

  @Override
  public void accepted(String stream, long count) {
    add("eventkit.events.accepted", "Events committed to the log", "stream", stream, count);
  }

  @Override
  public void rejected(String code, long count) {
    add("eventkit.events.rejected", "Events or requests refused at intake", "code", code, count);
  }

  @Override
  public void invalid(String error, long count) {
    add("eventkit.events.invalid", "Accepted events that failed validation", "error", error, count);
  }

  @Override
  public void delivered(String sink, long count) {
    add("eventkit.sink.delivered", "Events a sink delivered", "sink", sink, count);
  }

  @Override
  public void retried(String sink, long count) {
    add("eventkit.sink.retried", "Event deliveries that were retries", "sink", sink, count);
  }

  @Override
  public void deadLettered(String sink, long count) {
    add("eventkit.sink.dead_lettered", "Events sent to the dead-letter sink", "sink", sink, count);
  }

  @Override
  public void interceptorFailed(long count) {
    add("eventkit.interceptor.failures", "Events an interceptor threw on", null, null, count);
  }

  @Override
  public void dropped(String stream, long count) {
    add("eventkit.events.dropped", "Events an interceptor dropped on purpose", "stream", stream, count);
  }

  @Override
  public void request(String rawMethod, String route, int status, long nanos) {
    String method = bound("eventkit.http.requests", "method", rawMethod);
    String key = method + '\u0000' + route + '\u0000' + status;
    timers.computeIfAbsent(key, k -> Timer.builder("eventkit.http.requests")
        .description("Requests the collector answered, until the response was ready").tag("method", method)
        .tag("route", route).tag("status", Integer.toString(status)).register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
