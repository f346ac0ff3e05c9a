package dev.eventkit.metrics;

import dev.eventkit.internal.metrics.TagValues;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link Metrics} kept in memory as counters named {@code <kind>.<tag>} ({@code accepted.default},
 * {@code delivered.file}, {@code rejected.malformed_json}, …), for health pages, tests, and hosts without a metrics
 * library. Thread-safe and lock-free on the hot path.
 *
 * <p>Memory stays bounded whatever clients send: each kind keeps at most {@value TagValues#DEFAULT_LIMIT} distinct
 * tags (stream names come from request paths); later ones are counted under {@code <kind>._other}.
 */
public final class CountingMetrics implements Metrics {

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, TagValues> tags = new ConcurrentHashMap<>();

  private void add(String kind, String tag, long count) {
    String bounded = tags.computeIfAbsent(kind, k -> new TagValues(TagValues.DEFAULT_LIMIT)).bound(tag);
    counters.computeIfAbsent(kind + "." + bounded, k -> new LongAdder()).add(count);
  }

  @Override
  public void accepted(String stream, long count) {
    add("accepted", stream, count);
  }

  @Override
  public void rejected(String code, long count) {
    add("rejected", code, count);
  }

  @Override
  public void invalid(String error, long count) {
    add("invalid", error, count);
  }

  @Override
  public void delivered(String sink, long count) {
    add("delivered", sink, count);
  }

  @Override
  public void interceptorFailed(long count) {
    add("interceptor_failed", "all", count);
  }

  @Override
  public void dropped(String stream, long count) {
    add("dropped", stream, count);
  }

  @Override
  public void retried(String sink, long count) {
    add("retried", sink, count);
  }

  @Override
  public void deadLettered(String sink, long count) {
    add("deadLettered", sink, count);
  }

  /** One counter's value; 0 when it was never incremented. */
  public long get(String name) {
    LongAdder a = counters.get(name);
    return a == null ? 0 : a.sum();
  }

  /** All counters, sorted by name. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
