package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.cloud.bigquery.storage.v1.JsonStreamWriter;
import com.google.cloud.bigquery.storage.v1.TableName;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link WriteMode#COMMITTED_STREAM}: appends to a COMMITTED-type stream of its own at explicit offsets.
 *
 * <p>Bookkeeping: {@code nextOffset} is where the next batch goes. When an append fails without a clear answer
 * (timeout, connection lost, server error), the batch's offset is kept as {@code pending}; the dispatcher retries
 * the same batch (recognised by a digest of its event ids), which is appended at the same offset: BigQuery answers
 * ALREADY_EXISTS if the first attempt landed, and that counts as success. Until then other batches are refused
 * with a retryable failure, because nothing may be appended behind an unsettled offset. If the pending batch does
 * not come back within {@code settleTimeout} (the dispatcher dead-lettered it), the stream is finalised and a new
 * one opened; should that batch ever return, it may then be stored twice. OUT_OF_RANGE (bookkeeping off), a
 * finalised or vanished stream likewise open a new stream. Rows refused by the service were not appended, so
 * they do not move the offset.
 *
 * <p>With an emulator ({@code connectionPerAppend}) the connection is closed after each append: the Java client
 * names the stream only in a connection's first request, and the emulator sends later requests of a connection
 * to an arbitrary stream.
 *
 * <p>Not thread-safe by itself: the sink calls it from a single thread, one append at a time.
 */
final class CommittedStreamWriter implements RowWriter {

  private static final Logger LOG = LoggerFactory.getLogger(CommittedStreamWriter.class);

  private final WriteApi api;
  private final TableGuard tables;
  private final TableName table;
  private final Duration timeout;
  private final Duration settleTimeout;
  private final boolean connectionPerAppend;

  private String stream;
  private JsonStreamWriter writer;
  private long nextOffset;
  private Pending pending;

  private record Pending(String key, long offset, long sinceNanos) {}

  CommittedStreamWriter(WriteApi api, TableGuard tables, TableName table, Duration timeout,
      Duration settleTimeout, boolean connectionPerAppend) {
    this.api = api;
    this.tables = tables;
    this.table = table;
    this.timeout = timeout;
    this.settleTimeout = settleTimeout;
    this.connectionPerAppend = connectionPerAppend;
  }

  @Override
  public synchronized WriteResult write(List<Envelope> batch) {
    String key = key(batch);
    try {
      if (pending != null && !pending.key.equals(key)) {
        if (System.nanoTime() - pending.sinceNanos < settleTimeout.toNanos()) {
          return WriteResult.failed(Failure.retryable(
              "waiting for the retry of an earlier batch whose append is unsettled"));
        }
        LOG.warn("committed stream: an unsettled batch was not retried within {}; opening a new stream",
            settleTimeout);
        abandon();
      }
      open();
    } catch (Exception e) {
      tables.invalidate();
      return WriteResult.failed(failure(e));
    }
    long offset = pending != null ? pending.offset : nextOffset;
    try {
      return append(batch, key, offset, true);
    } finally {
      if (connectionPerAppend) {
        closeWriter();
      }
    }
  }

  private WriteResult append(List<Envelope> batch, String key, long offset, boolean appendGoodAgain) {
    try {
      AppendRowsResponse response = writer.append(RowBatches.rows(batch), offset)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<Integer, String> bad = RowBatches.rowErrors(response);
      if (!bad.isEmpty()) {
        return rejected(batch, bad, offset, appendGoodAgain);
      }
      if (response.hasError()) {
        return onError(batch, key, offset, Status.fromCodeValue(response.getError().getCode()).asRuntimeException(),
            appendGoodAgain);
      }
      stored(offset, batch.size());
      return WriteResult.success();
    } catch (ExecutionException e) {
      return onError(batch, key, offset, e.getCause() != null ? e.getCause() : e, appendGoodAgain);
    } catch (TimeoutException e) {
      unsettled(key, offset);
      return WriteResult.failed(Failure.retryable("BigQuery Write API append timed out after " + timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      unsettled(key, offset);
      return WriteResult.failed(Failure.retryable("interrupted"));
    } catch (Exception e) {
      return onError(batch, key, offset, e, appendGoodAgain);
    }
  }

  private WriteResult onError(List<Envelope> batch, String key, long offset, Throwable error,
      boolean appendGoodAgain) {
    Map<Integer, String> bad = RowBatches.rowErrors(error);
    if (bad != null && !bad.isEmpty()) {
      return rejected(batch, bad, offset, appendGoodAgain);
    }
    Status.Code code = BigQueryFailures.grpcCode(error);
    if (BigQueryFailures.find(error, Exceptions.OffsetAlreadyExists.class) != null
        || code == Status.Code.ALREADY_EXISTS) {
      // An earlier attempt of this very batch landed at this offset.
      LOG.info("committed stream: batch already appended by an earlier attempt; not appended again");
      stored(offset, batch.size());
      return WriteResult.success();
    }
    if (BigQueryFailures.find(error, Exceptions.OffsetOutOfRange.class) != null
        || BigQueryFailures.find(error, Exceptions.StreamFinalizedException.class) != null
        || code == Status.Code.OUT_OF_RANGE || code == Status.Code.NOT_FOUND) {
      abandon();
      tables.invalidate();
      return WriteResult.failed(failure(error));
    }
    if (code == Status.Code.INVALID_ARGUMENT) {
      // Refused as a whole: nothing was appended, the offset stays free.
      return WriteResult.failed(failure(error));
    }
    unsettled(key, offset);
    return WriteResult.failed(failure(error));
  }

  private WriteResult rejected(List<Envelope> batch, Map<Integer, String> bad, long offset, boolean appendGoodAgain) {
    // A request with refused rows appends none of them: the offset is still free for the good ones.
    pending = null;
    return RowBatches.withoutBadRows(batch, bad, appendGoodAgain, good -> append(good, key(good), offset, false));
  }

  private void stored(long offset, int rows) {
    nextOffset = offset + rows;
    pending = null;
  }

  /** Keeps the stream, drops the connection, and remembers where the unsettled batch went. */
  private void unsettled(String key, long offset) {
    if (pending == null || !pending.key.equals(key)) {
      pending = new Pending(key, offset, System.nanoTime());
    }
    closeWriter();
  }

  private void open() throws Exception {
    if (stream != null && writer == null && !tables.exists()) {
      LOG.info("committed stream: the table vanished with its stream; opening a new one");
      stream = null;
      pending = null;
      tables.invalidate();
    }
    if (stream == null) {
      tables.ensure();
      WriteStream created = api.client().createWriteStream(CreateWriteStreamRequest.newBuilder()
          .setParent(table.toString())
          .setWriteStream(WriteStream.newBuilder().setType(WriteStream.Type.COMMITTED).build())
          .build());
      stream = created.getName();
      nextOffset = 0;
      pending = null;
      writer = api.writer(stream, created.getTableSchema());
    } else if (writer == null) {
      writer = api.writer(stream);
    }
  }

  /** Finalises the current stream (best effort) and forgets it; the next write opens a new one. */
  private void abandon() {
    closeWriter();
    if (stream != null) {
      try {
        api.client().finalizeWriteStream(stream);
      } catch (RuntimeException e) {
        LOG.debug("committed stream: finalising the old stream failed: {}", e.toString());
      }
    }
    stream = null;
    pending = null;
  }

  /** Off this thread: closing can block for minutes when the server stopped answering. */
  private void closeWriter() {
    if (writer != null) {
      StreamWriterCloser.close(writer);
      writer = null;
    }
  }

  private static Failure failure(Throwable error) {
    return BigQueryFailures.grpcCode(error) != null ? BigQueryFailures.fromGrpc(error)
        : BigQueryFailures.fromHttp(error);
  }

  /** Identifies a batch by its event ids in order: the dispatcher retries a batch with the same events. */
  static String key(List<Envelope> batch) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Envelope e : batch) {
        sha.update(e.id().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }

  /** Finalises the stream (its rows stay; a finalised stream takes no more appends). */
  @Override
  public synchronized void close() {
    abandon();
  }
}
