package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.JsonStreamWriter;
import com.google.cloud.bigquery.storage.v1.TableName;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link WriteMode#DEFAULT_STREAM}: appends to the table's {@code _default} stream through one shared
 * {@link JsonStreamWriter}. After any failure other than row errors the writer is dropped and the table
 * re-checked, so the next attempt reconnects (and re-creates the table after it vanished). A batch over the 10 MB
 * request limit is appended in several requests ({@link AppendChunks}). Thread-safe: appends
 * from several threads are pipelined on the one connection.
 *
 * <p>With an emulator ({@code connectionPerAppend}) each append gets a connection of its own: the Java client names
 * the stream only in a connection's first request, and the emulator sends later requests of a connection to an
 * arbitrary stream of any table; and those appends go one at a time, since it also misroutes requests while several
 * connections to one default stream are open.
 */
final class DefaultStreamWriter implements RowWriter {

  private final WriteApi api;
  private final TableGuard tables;
  private final Object emulatorAppends = new Object();
  private final String streamName;
  private final Duration timeout;
  private final boolean connectionPerAppend;
  private JsonStreamWriter writer;

  DefaultStreamWriter(WriteApi api, TableGuard tables, TableName table, Duration timeout,
      boolean connectionPerAppend) {
    this.api = api;
    this.tables = tables;
    this.streamName = table.toString() + "/streams/_default";
    this.timeout = timeout;
    this.connectionPerAppend = connectionPerAppend;
  }

  @Override
  public WriteResult write(List<Envelope> batch) {
    if (connectionPerAppend) {
      // The emulator misroutes requests when several connections to one default stream are open at once
      // (answering INTERNAL), so its appends go one at a time.
      synchronized (emulatorAppends) {
        return writeOnce(batch);
      }
    }
    return writeOnce(batch);
  }

  private WriteResult writeOnce(List<Envelope> batch) {
    JsonStreamWriter w;
    try {
      if (connectionPerAppend) {
        tables.ensure();
        w = api.writer(streamName);
      } else {
        w = writer();
      }
    } catch (Exception e) {
      tables.invalidate();
      return WriteResult.failed(failure(e));
    }
    try {
      JsonStreamWriter writer = w;
      return AppendChunks.append(batch, part -> append(writer, part, true));
    } finally {
      if (connectionPerAppend) {
        closeNow(w);
      }
    }
  }

  private WriteResult append(JsonStreamWriter w, List<Envelope> batch, boolean appendGoodAgain) {
    try {
      AppendRowsResponse response = w.append(RowBatches.rows(batch)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<Integer, String> bad = RowBatches.rowErrors(response);
      if (!bad.isEmpty()) {
        return RowBatches.withoutBadRows(batch, bad, appendGoodAgain, good -> append(w, good, false));
      }
      if (response.hasError()) {
        Status status = Status.fromCodeValue(response.getError().getCode());
        drop(w);
        return WriteResult.failed(BigQueryFailures.fromGrpc(status.asRuntimeException()));
      }
      return WriteResult.success();
    } catch (ExecutionException e) {
      return onError(w, batch, e.getCause() != null ? e.getCause() : e, appendGoodAgain);
    } catch (TimeoutException e) {
      drop(w);
      return WriteResult.failed(Failure.retryable("BigQuery Write API append timed out after " + timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return WriteResult.failed(Failure.retryable("interrupted"));
    } catch (Exception e) {
      return onError(w, batch, e, appendGoodAgain);
    }
  }

  private WriteResult onError(JsonStreamWriter w, List<Envelope> batch, Throwable error, boolean appendGoodAgain) {
    Map<Integer, String> bad = RowBatches.rowErrors(error);
    if (bad != null && !bad.isEmpty()) {
      return RowBatches.withoutBadRows(batch, bad, appendGoodAgain, good -> append(w, good, false));
    }
    drop(w);
    return WriteResult.failed(failure(error));
  }

  private static Failure failure(Throwable error) {
    return BigQueryFailures.grpcCode(error) != null ? BigQueryFailures.fromGrpc(error)
        : BigQueryFailures.fromHttp(error);
  }

  private synchronized JsonStreamWriter writer() throws Exception {
    if (writer == null || writer.isClosed()) {
      tables.ensure();
      writer = api.writer(streamName);
    }
    return writer;
  }

  private void drop(JsonStreamWriter failed) {
    tables.invalidate();
    synchronized (this) {
      if (writer != failed) {
        return;
      }
      writer = null;
    }
    closeQuietly(failed);
  }

  /**
   * A per-append connection (emulators only) whose appends have all been answered is closed before the write
   * returns, so that the next append's connection is the only one open.
   */
  private static void closeNow(JsonStreamWriter w) {
    try {
      w.close();
    } catch (RuntimeException e) {
      closeQuietly(w);
    }
  }

  /** Off this thread: closing can block for minutes when the server stopped answering. */
  private static void closeQuietly(JsonStreamWriter w) {
    StreamWriterCloser.close(w);
  }

  @Override
  public synchronized void close() {
    if (writer != null) {
      closeQuietly(writer);
      writer = null;
    }
  }
}
