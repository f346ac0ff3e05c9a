package dev.eventkit.delivery;

import dev.eventkit.metrics.Metrics;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Metrics} that never throws: each call into the wrapped implementation is guarded, and a failure is
 * logged (its class only, once) and otherwise ignored. The delivery path reports through it, so that a broken
 * metrics binding costs counts, never a batch whose completion is lost.
 *
 * <p>Thread-safe when the wrapped implementation is.
 */
final class GuardedMetrics implements Metrics {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedMetrics.class);

  private final Metrics inner;
  private final AtomicBoolean warned = new AtomicBoolean();

  private GuardedMetrics(Metrics inner) {
    this.inner = inner;
  }

  static Metrics of(Metrics metrics) {
    if (metrics == null) {
      return Metrics.noop();
    }
    return metrics instanceof GuardedMetrics ? metrics : new GuardedMetrics(metrics);
  }

  private void failed(String method, Throwable t) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn("the metrics implementation {} threw {} from {}(); its counts are being lost (logged once)",
          inner.getClass().getName(), t.getClass().getName(), method);
    }
  }

  @Override
  public void accepted(String stream, long count) {
    try {
      inner.accepted(stream, count);
    } catch (Throwable t) {
      failed("accepted", t);
    }
  }

  @Override
  public void rejected(String code, long count) {
    try {
      inner.rejected(code, count);
    } catch (Throwable t) {
      failed("rejected", t);
    }
  }

  @Override
  public void invalid(String error, long count) {
    try {
      inner.invalid(error, count);
    } catch (Throwable t) {
      failed("invalid", t);
    }
  }

  @Override
  public void delivered(String sink, long count) {
    try {
      inner.delivered(sink, count);
    } catch (Throwable t) {
      failed("delivered", t);
    }
  }

  @Override
  public void retried(String sink, long count) {
    try {
      inner.retried(sink, count);
    } catch (Throwable t) {
      failed("retried", t);
    }
  }

  @Override
  public void deadLettered(String sink, long count) {
    try {
      inner.deadLettered(sink, count);
    } catch (Throwable t) {
      failed("deadLettered", t);
    }
  }
}
