package dev.eventkit.micrometer;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineStatus;
import dev.eventkit.delivery.SinkStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Gauges read from a running {@link Pipeline}'s {@link Pipeline#status()}:
 *
 * <ul>
 * <li>{@code eventkit.sink.lag.events} and {@code eventkit.sink.lag.seconds} (tag {@code sink}): what each sink has
 * not consumed yet, and the age of its oldest such record (0 when caught up);
 * <li>{@code eventkit.log.fill} (ratio, 0 to 1): the fuller of the log's event and byte budgets;
 * <li>{@code eventkit.log.unconsumed.events}, {@code eventkit.log.unconsumed.bytes}: what retention may not
 * delete yet.
 * </ul>
 *
 * <p>Sink gauges are registered for the sinks the pipeline has when {@link #bindTo} runs (the invalid and
 * dead-letter sinks included); bind after {@link Pipeline#start()}.
 *
 * <p>Thread-safety: thread-safe. A scrape reads every gauge; they share one status snapshot for up to
 * {@code maxAge} (default one second), so a scrape costs one status query rather than one per gauge. Failure modes:
 * a status that cannot be read (the pipeline closed) leaves the gauges at their last values, as Micrometer reads
 * {@code NaN} as "no value".
 */
public final class PipelineMeterBinder implements MeterBinder {

  private final Pipeline pipeline;
  private final long maxAgeNanos;
  private final Object lock = new Object();
  private PipelineStatus cached;
  private long cachedAt;

  /** Gauges over {@code pipeline}, sharing a status snapshot for up to one second. */
  public PipelineMeterBinder(Pipeline pipeline) {
    this(pipeline, Duration.ofSeconds(1));
  }

  /** Gauges over {@code pipeline}, sharing a status snapshot for up to {@code maxAge} (zero: read every time). */
  public PipelineMeterBinder(Pipeline pipeline, Duration maxAge) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.maxAgeNanos = maxAge.toNanos();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (SinkStatus sink : pipeline.status().sinks()) {
      String name = sink.sink();
      Gauge.builder("eventkit.sink.lag.events", this, b -> sinkValue(name, SinkStatus::lagEvents))
          .description("Records in the log this sink has not consumed").baseUnit("events").tag("sink", name)
          .register(registry);
      Gauge.builder("eventkit.sink.lag.seconds", this, b -> sinkValue(name, SinkStatus::lagSeconds))
          .description("Age of the oldest record this sink has not consumed; 0 when caught up").baseUnit("seconds")
          .tag("sink", name).register(registry);
    }
    Gauge.builder("eventkit.log.fill", this, b -> logValue(s -> s.log().fillRatio()))
        .description("The fuller of the log's event and byte budgets, 0 to 1").baseUnit("ratio")
        .register(registry);
    Gauge.builder("eventkit.log.unconsumed.events", this, b -> logValue(s -> s.log().unconsumedEvents()))
        .description("Records some sink has not consumed").baseUnit("events").register(registry);
    Gauge.builder("eventkit.log.unconsumed.bytes", this, b -> logValue(s -> s.log().unconsumedBytes()))
        .description("Encoded size of the records some sink has not consumed").baseUnit("bytes").register(registry);
  }

  private double sinkValue(String sink, ToDoubleFunction<SinkStatus> value) {
    PipelineStatus status = status();
    if (status == null) {
      return Double.NaN;
    }
    for (SinkStatus s : status.sinks()) {
      if (s.sink().equals(sink)) {
        return value.applyAsDouble(s);
      }
    }
    return Double.NaN;
  }

  private double logValue(ToDoubleFunction<PipelineStatus> value) {
    PipelineStatus status = status();
    return status == null ? Double.NaN : value.applyAsDouble(status);
  }

  private PipelineStatus status() {
    synchronized (lock) {
      long now = System.nanoTime();
      if (cached == null || now - cachedAt >= maxAgeNanos) {
        try {
          cached = pipeline.status();
          cachedAt = now;
        } catch (RuntimeException e) {
          // A closed log cannot report; keep no stale snapshot so the gauges read NaN (no value).
          cached = null;
        }
      }
      return cached;
    }
  }
}
