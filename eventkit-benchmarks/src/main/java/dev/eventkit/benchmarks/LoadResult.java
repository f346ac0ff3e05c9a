package dev.eventkit.benchmarks;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one {@link LoadDriver} run: what was sent, what came back, and how long it took. Immutable and
 * thread-safe once built.
 *
 * @param options what the run was asked to do
 * @param elapsedNanos wall time from the first request to the last response
 * @param outcomes responses by HTTP status ({@code "202"}), or by failure ({@code "timeout"}, {@code "io_error"})
 * @param acceptedEvents events in requests answered 2xx
 * @param latenciesNanos the time of every completed request, sorted ascending
 * @param stoppedByTime whether the time limit ended the run before the request count was reached
 */
public record LoadResult(LoadOptions options, long elapsedNanos, Map<String, Long> outcomes, long acceptedEvents,
    long[] latenciesNanos, boolean stoppedByTime) {

  public LoadResult {
    outcomes = Collections.unmodifiableMap(new TreeMap<>(outcomes));
    latenciesNanos = latenciesNanos.clone();
    Arrays.sort(latenciesNanos);
  }

  /** Requests that got any response or failure. */
  public long requests() {
    return outcomes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Requests answered with a 2xx status. */
  public long accepted() {
    return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("2")).mapToLong(Map.Entry::getValue)
        .sum();
  }

  public double seconds() {
    return elapsedNanos / 1e9;
  }

  /** The latency at quantile {@code q} (0..1) in milliseconds, by the nearest-rank method; 0 when none. */
  public double latencyMillis(double q) {
    if (latenciesNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * latenciesNanos.length);
    return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, rank - 1))] / 1e6;
  }

  /** The report the driver prints. */
  public String format() {
    double s = Math.max(seconds(), 1e-9);
    StringBuilder out = new StringBuilder();
    out.append(String.format("target      %s%n", options.url()));
    out.append(String.format("load        %d clients, %d event(s) per request%n", options.clients(),
        options.batch()));
    out.append(String.format("sent        %d requests in %.3f s (%s)%n", requests(), seconds(),
        stoppedByTime ? "time limit reached" : "request count reached"));
    out.append(String.format("throughput  %.1f requests/s, %.1f accepted events/s%n", requests() / s,
        acceptedEvents / s));
    StringBuilder statuses = new StringBuilder();
    outcomes.forEach((k, v) -> statuses.append(statuses.length() == 0 ? "" : ", ")
        .append(k).append(": ").append(v));
    out.append(String.format("status      %s%n", statuses));
    out.append(String.format("latency ms  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n", latencyMillis(0.50),
        latencyMillis(0.90), latencyMillis(0.99), latencyMillis(1.0)));
    return out.toString();
  }
}
