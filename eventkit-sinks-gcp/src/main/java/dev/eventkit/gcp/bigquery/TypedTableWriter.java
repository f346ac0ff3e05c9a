package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.InsertAllResponse;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.JsonStreamWriter;
import com.google.cloud.bigquery.storage.v1.TableName;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.TypedRows;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.json.JSONArray;
import org.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes typed rows ({@link TypedRows#row}) to typed tables: through {@code insertAll} (event id as
 * {@code insertId}) when the sink uses {@link WriteMode#INSERT_ALL}, else through each table's Storage Write API
 * {@code _default} stream. One writer per table, re-opened when the table's columns changed or after a failure;
 * with an emulator, one connection per append (see {@link DefaultStreamWriter}).
 *
 * <p>Rows the service refuses fail permanently by index, the others are appended once more; rows refused for
 * columns the table has but its stream does not have yet (a stream lags a change of its table) are retryable;
 * other errors are classified like the raw writers' ({@code BigQueryFailures}). Thread-safe.
 */
final class TypedTableWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TypedTableWriter.class);

  private final BigQuery bigQuery;
  private final WriteApi api;
  private final Duration timeout;
  private final boolean connectionPerAppend;
  private final Map<TableId, Open> writers = new ConcurrentHashMap<>();

  private record Open(JsonStreamWriter writer, Schema schema) {}

  /** A writer through {@code insertAll} when {@code api} is null, else through the Storage Write API. */
  TypedTableWriter(BigQuery bigQuery, WriteApi api, Duration timeout, boolean connectionPerAppend) {
    this.bigQuery = bigQuery;
    this.api = api;
    this.timeout = timeout;
    this.connectionPerAppend = connectionPerAppend;
  }

  /**
   * Writes the rows of {@code batch} (same order) to {@code table}, whose columns are {@code schema}.
   */
  WriteResult write(TableId table, Schema schema, List<Envelope> batch, List<ObjectNode> rows) {
    if (api == null) {
      return insertAll(table, batch, rows);
    }
    JsonStreamWriter w;
    try {
      w = writer(table, schema);
    } catch (Exception e) {
      return WriteResult.failed(failure(e));
    }
    try {
      Map<Envelope, ObjectNode> byEvent = new IdentityHashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        byEvent.put(batch.get(i), rows.get(i));
      }
      return append(table, w, schema, batch, byEvent, true);
    } finally {
      if (connectionPerAppend) {
        closeQuietly(w);
      }
    }
  }

  private WriteResult insertAll(TableId table, List<Envelope> batch, List<ObjectNode> rows) {
    try {
      InsertAllRequest.Builder request = InsertAllRequest.newBuilder(table);
      for (int i = 0; i < batch.size(); i++) {
        request.addRow(batch.get(i).id(), TypedRows.toInsertAllRow(rows.get(i)));
      }
      InsertAllResponse response = bigQuery.insertAll(request.build());
      return response.hasErrors() ? WriteResult.partial(BigQueryFailures.insertErrors(response.getInsertErrors()))
          : WriteResult.success();
    } catch (RuntimeException e) {
      return WriteResult.failed(BigQueryFailures.fromHttp(e));
    }
  }

  private WriteResult append(TableId table, JsonStreamWriter w, Schema schema, List<Envelope> batch,
      Map<Envelope, ObjectNode> rows, boolean appendGoodAgain) {
    JSONArray request = new JSONArray();
    for (Envelope e : batch) {
      request.put(writeApiRow(rows.get(e), schema.getFields()));
    }
    try {
      AppendRowsResponse response = w.append(request).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<Integer, String> bad = RowBatches.rowErrors(response);
      if (!bad.isEmpty()) {
        return RowBatches.withoutBadRows(batch, bad, appendGoodAgain,
            good -> append(table, w, schema, good, rows, false));
      }
      if (response.hasError()) {
        drop(table, w);
        return WriteResult.failed(BigQueryFailures.fromGrpc(
            Status.fromCodeValue(response.getError().getCode()).asRuntimeException()));
      }
      return WriteResult.success();
    } catch (TimeoutException e) {
      drop(table, w);
      return WriteResult.failed(Failure.retryable("BigQuery Write API append timed out after " + timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return WriteResult.failed(Failure.retryable("interrupted"));
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      Map<Integer, String> bad = RowBatches.rowErrors(cause);
      if (bad != null && !bad.isEmpty()) {
        WriteResult r = RowBatches.withoutBadRows(batch, bad, appendGoodAgain,
            good -> append(table, w, schema, good, rows, false));
        return lagging(table, w, batch, bad, r);
      }
      drop(table, w);
      return WriteResult.failed(failure(cause));
    }
  }

  /**
   * Makes the rows the client refused for columns its stream does not have wait instead of failing for good: the
   * rows' columns are in the table ({@code SchemaTables} added them before routing the rows here), so the stream's
   * schema lags the table's, as the service's does for a few minutes after columns are added. The writer is
   * dropped so that the next append asks for the stream's schema again.
   */
  private WriteResult lagging(TableId table, JsonStreamWriter w, List<Envelope> batch, Map<Integer, String> bad,
      WriteResult result) {
    if (bad.values().stream().noneMatch(TypedTableWriter::unknownToStream)) {
      return result;
    }
    drop(table, w);
    Map<Integer, Failure> out = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Failure f = result.failureOf(i);
      if (f != null) {
        out.put(i, unknownToStream(bad.get(i)) ? Failure.retryable("the table's new columns are not yet writable "
            + "through its Write API stream") : f);
      }
    }
    return WriteResult.partial(out);
  }

  /** Whether a row error is the Java client's refusal of fields its stream's schema lacks. */
  private static boolean unknownToStream(String rowError) {
    return rowError != null && rowError.contains("fields unknown to BigQuery");
  }

  private JsonStreamWriter writer(TableId table, Schema schema) throws Exception {
    String stream = TableName.of(table.getProject(), table.getDataset(), table.getTable()) + "/streams/_default";
    if (connectionPerAppend) {
      return api.writer(stream);
    }
    synchronized (this) {
      Open open = writers.get(table);
      if (open != null && open.schema.equals(schema) && !open.writer.isClosed()) {
        return open.writer;
      }
      if (open != null) {
        closeQuietly(open.writer);
      }
      JsonStreamWriter w = api.writer(stream);
      writers.put(table, new Open(w, schema));
      return w;
    }
  }

  private void drop(TableId table, JsonStreamWriter failed) {
    synchronized (this) {
      Open open = writers.get(table);
      if (open == null || open.writer != failed) {
        return;
      }
      writers.remove(table);
    }
    closeQuietly(failed);
  }

  private static Failure failure(Throwable error) {
    return BigQueryFailures.grpcCode(error) != null ? BigQueryFailures.fromGrpc(error)
        : BigQueryFailures.fromHttp(error);
  }

  /** A typed row for the Write API: timestamps as epoch microseconds, dates as epoch days. */
  static JSONObject writeApiRow(JsonNode row, FieldList fields) {
    Map<String, Field> byName = new HashMap<>();
    fields.forEach(f -> byName.put(f.getName(), f));
    JSONObject out = new JSONObject();
    for (Map.Entry<String, JsonNode> column : row.properties()) {
      Field f = byName.get(column.getKey());
      out.put(column.getKey(), f == null ? column.getValue().asText() : writeApiValue(column.getValue(), f));
    }
    return out;
  }

  private static Object writeApiValue(JsonNode v, Field f) {
    if (v.isArray()) {
      JSONArray out = new JSONArray();
      for (JsonNode item : v) {
        out.put(writeApiScalar(item, f));
      }
      return out;
    }
    return writeApiScalar(v, f);
  }

  private static Object writeApiScalar(JsonNode v, Field f) {
    StandardSQLTypeName type = f.getType().getStandardType();
    switch (type) {
      case STRUCT:
        return writeApiRow(v, f.getSubFields());
      case TIMESTAMP:
        return EnvelopeRow.micros(Instant.parse(v.asText()));
      case DATE:
        return LocalDate.parse(v.asText()).toString();
      case INT64:
        return v.longValue();
      case FLOAT64:
        return v.doubleValue();
      case BOOL:
        return v.booleanValue();
      default:
        return v.asText();
    }
  }

  private static void closeQuietly(JsonStreamWriter w) {
    try {
      w.close();
    } catch (RuntimeException e) {
      LOG.debug("closing a typed-table stream writer: {}", e.toString());
    }
  }

  @Override
  public synchronized void close() {
    List<Open> open = new ArrayList<>(writers.values());
    writers.clear();
    open.forEach(o -> closeQuietly(o.writer));
  }
}
