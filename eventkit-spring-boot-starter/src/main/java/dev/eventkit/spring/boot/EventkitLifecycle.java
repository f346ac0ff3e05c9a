package dev.eventkit.spring.boot;

import dev.eventkit.Pipeline;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Joins a {@link Pipeline} to Spring's lifecycle. Its phase is below the web server's, so the pipeline starts
 * before the server takes requests and shuts down only after the server has stopped taking them (and, with
 * {@code server.shutdown=graceful}, after the requests in flight were answered). Stopping calls
 * {@link Pipeline#shutdown()} asynchronously: deliveries drain within the shutdown timeout and whatever is left
 * stays in the log for the next start.
 *
 * <p>Thread-safe.
 */
public class EventkitLifecycle implements SmartLifecycle {

  /** Below the web server's phases (graceful shutdown, start/stop), which are a little below the default. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private static final Logger LOG = LoggerFactory.getLogger(EventkitLifecycle.class);

  private final Pipeline pipeline;
  private final Duration shutdownTimeout;
  private volatile boolean running;

  /** A lifecycle for {@code pipeline}, whose shutdown is given {@code shutdownTimeout} (twice: drain, then sinks). */
  public EventkitLifecycle(Pipeline pipeline, Duration shutdownTimeout) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
  }

  @Override
  public void start() {
    pipeline.start();
    running = true;
  }

  @Override
  public void stop() {
    stop(() -> {});
  }

  @Override
  public void stop(Runnable callback) {
    running = false;
    // The pipeline bounds the drain and the sinks' shutdown by the timeout each; the extra second covers the log.
    pipeline.shutdown()
        .orTimeout(shutdownTimeout.toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("eventkit pipeline shutdown did not complete in time: {}", e.getClass().getSimpleName());
          }
          callback.run();
        });
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
