package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.Route;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Splits a batch by schema ({@link SchemaTables#route}): typed events go to their tables through a
 * {@link TypedTableWriter}, the others to the raw table through the sink's own {@link RowWriter}; events whose table
 * cannot take them fail permanently (the dead-letter sink gets them), events whose schema cannot be fetched now
 * are retryable. The results are put back by index.
 *
 * <p>A group the service refuses as a whole is halved here until the refused events stand alone, as the dispatcher
 * does for a whole batch: the other groups of the batch are already written and must not be written again.
 * Thread-safe when the writers it delegates to are.
 */
final class SchemaSplitWriter implements RowWriter {

  private final RowWriter raw;
  private final TypedTableWriter typed;
  private final SchemaTables tables;

  SchemaSplitWriter(RowWriter raw, TypedTableWriter typed, SchemaTables tables) {
    this.raw = raw;
    this.typed = typed;
    this.tables = tables;
  }

  @Override
  public WriteResult write(List<Envelope> batch) {
    Map<Integer, Failure> failures = new HashMap<>();
    List<Integer> rawIndexes = new ArrayList<>();
    Map<TableId, List<Integer>> typedIndexes = new LinkedHashMap<>();
    Map<Integer, ObjectNode> rows = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Route r = tables.route(batch.get(i));
      switch (r.kind()) {
        case TYPED:
          typedIndexes.computeIfAbsent(r.table(), t -> new ArrayList<>()).add(i);
          rows.put(i, r.row());
          break;
        case RAW:
          rawIndexes.add(i);
          break;
        case DEAD_LETTER:
          failures.put(i, Failure.permanent(r.reason()));
          break;
        default:
          failures.put(i, Failure.retryable(r.reason()));
          break;
      }
    }
    if (!rawIndexes.isEmpty()) {
      writeGroup(batch, rawIndexes, raw::write, failures);
    }
    for (Map.Entry<TableId, List<Integer>> group : typedIndexes.entrySet()) {
      TableId table = group.getKey();
      Schema schema = tables.knownSchema(table);
      if (schema == null) {
        group.getValue().forEach(i -> failures.put(i, Failure.retryable("table " + table.getTable() + " changed")));
        continue;
      }
      Map<Envelope, ObjectNode> byEvent = new IdentityHashMap<>();
      group.getValue().forEach(i -> byEvent.put(batch.get(i), rows.get(i)));
      Function<List<Envelope>, WriteResult> write = events -> {
        List<ObjectNode> groupRows = new ArrayList<>(events.size());
        events.forEach(e -> groupRows.add(byEvent.get(e)));
        WriteResult result = typed.write(table, schema, events, groupRows);
        if (!result.isSuccess()) {
          tables.invalidate(table);
        }
        return result;
      };
      writeGroup(batch, group.getValue(), write, failures);
    }
    return WriteResult.partial(failures);
  }

  private static void writeGroup(List<Envelope> batch, List<Integer> indexes,
      Function<List<Envelope>, WriteResult> write, Map<Integer, Failure> failures) {
    List<Envelope> events = new ArrayList<>(indexes.size());
    indexes.forEach(i -> events.add(batch.get(i)));
    WriteResult result = write.apply(events);
    Failure whole = result.batchFailure();
    if (whole != null && !whole.retryable() && indexes.size() > 1) {
      int mid = indexes.size() / 2;
      writeGroup(batch, indexes.subList(0, mid), write, failures);
      writeGroup(batch, indexes.subList(mid, indexes.size()), write, failures);
      return;
    }
    for (int k = 0; k < indexes.size(); k++) {
      Failure f = result.failureOf(k);
      if (f != null) {
        failures.put(indexes.get(k), f);
      }
    }
  }

  @Override
  public void close() {
    try {
      raw.close();
    } finally {
      typed.close();
    }
  }
}
