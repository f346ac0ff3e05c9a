package dev.eventkit.testing;

import dev.eventkit.Pipeline;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits on {@link Pipeline#forceFlush()} with a test's own bound. */
public final class Flushing {

  private Flushing() {}

  /** Whether everything appended so far reached every sink (and was flushed) within {@code timeout}. */
  public static boolean flushed(Pipeline pipeline, Duration timeout) throws InterruptedException {
    try {
      pipeline.forceFlush().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        return false;
      }
      throw new AssertionError("flush failed", e.getCause());
    }
  }
}
