package dev.eventkit.internal.metrics;

import dev.eventkit.metrics.Metrics;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a user-supplied {@link Metrics} so that a binding that throws can never fail an append that was already
 * committed or stall a delivery: every call is guarded, and a failure is logged (by exception class, at most once a
 * minute) and otherwise ignored.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice. Thread-safe.
 */
public final class GuardedMetrics implements Metrics {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedMetrics.class);
  private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final Metrics delegate;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
  private final AtomicLong failures = new AtomicLong();

  private GuardedMetrics(Metrics delegate) {
    this.delegate = delegate;
  }

  /** {@code metrics} guarded; the argument itself when it is guarded already. */
  public static GuardedMetrics of(Metrics metrics) {
    Objects.requireNonNull(metrics, "metrics");
    return metrics instanceof GuardedMetrics g ? g : new GuardedMetrics(metrics);
  }

  /** The wrapped binding. */
  public Metrics delegate() {
    return delegate;
  }

  /** How many calls into the binding have thrown. */
  public long failures() {
    return failures.get();
  }

  private void failed(Throwable t) {
    failures.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      LOG.warn("the metrics binding {} threw {}; its counts are incomplete ({} failures so far)",
          delegate.getClass().getName(), t.getClass().getName(), failures.get());
    }
  }

  @Override
  public void accepted(String stream, long count) {
    try {
      delegate.accepted(stream, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void rejected(String code, long count) {
    try {
      delegate.rejected(code, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void invalid(String error, long count) {
    try {
      delegate.invalid(error, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void delivered(String sink, long count) {
    try {
      delegate.delivered(sink, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void retried(String sink, long count) {
    try {
      delegate.retried(sink, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void deadLettered(String sink, long count) {
    try {
      delegate.deadLettered(sink, count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void interceptorFailed(long count) {
    try {
      delegate.interceptorFailed(count);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void request(String method, String route, int status, long nanos) {
    try {
      delegate.request(method, route, status, nanos);
    } catch (Throwable t) {
      failed(t);
    }
  }

  @Override
  public void dropped(String stream, long count) {
    try {
      delegate.dropped(stream, count);
    } catch (Throwable t) {
      failed(t);
    }
  }
}
