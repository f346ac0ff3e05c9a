package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.storage.v1.JsonStreamWriter;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes Storage Write API stream writers off the threads that write. {@code JsonStreamWriter.close()} waits for
 * its connection to end and its append thread to finish; against a server that stopped answering it can block for
 * minutes, which on a write thread would hold the batch long past the append timeout. Closing is therefore handed
 * to at most four daemon threads, with at most 256 writers waiting; beyond that a writer is left to the garbage
 * collector (its connection ends with the client). Thread-safe.
 */
final class StreamWriterCloser {

  private static final Logger LOG = LoggerFactory.getLogger(StreamWriterCloser.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ThreadPoolExecutor CLOSER = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(256), r -> {
        Thread t = new Thread(r, "eventkit-bigquery-writer-closer-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      }, (r, executor) -> LOG.warn("too many Write API writers waiting to be closed; one is left unclosed"));

  static {
    CLOSER.allowCoreThreadTimeOut(true);
  }

  private StreamWriterCloser() {}

  /** Closes {@code writer} in the background; errors are logged at debug level. */
  static void close(JsonStreamWriter writer) {
    CLOSER.execute(() -> {
      try {
        writer.close();
      } catch (RuntimeException e) {
        LOG.debug("closing a stream writer: {}", e.toString());
      }
    });
  }
}
