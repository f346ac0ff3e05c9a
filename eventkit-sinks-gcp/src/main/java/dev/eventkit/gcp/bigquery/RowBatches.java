package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.cloud.bigquery.storage.v1.RowError;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.json.JSONArray;

/**
 * Helpers shared by the Storage Write API writers: rows of a batch, row errors of a response, and the
 * "reject the bad rows, append the good ones once more" step. Stateless and thread-safe.
 */
final class RowBatches {

  private RowBatches() {}

  static JSONArray rows(List<Envelope> batch) {
    JSONArray rows = new JSONArray();
    for (Envelope e : batch) {
      rows.put(EnvelopeRow.toWriteApiRow(e));
    }
    return rows;
  }

  /** Row errors the server reported in a response, by index; empty when there are none. */
  static Map<Integer, String> rowErrors(AppendRowsResponse response) {
    Map<Integer, String> out = new HashMap<>();
    for (RowError e : response.getRowErrorsList()) {
      out.put((int) e.getIndex(), e.getMessage());
    }
    return out;
  }

  /** Row errors carried by an exception (client-side conversion or server row errors), or null. */
  @SuppressWarnings("deprecation")
  static Map<Integer, String> rowErrors(Throwable error) {
    Exceptions.AppendSerializtionError e = BigQueryFailures.find(error, Exceptions.AppendSerializtionError.class);
    return e == null ? null : e.getRowIndexToErrorMessage();
  }

  /**
   * The result when the service refused some rows of a request (and therefore appended none): the refused rows
   * fail permanently; the others are appended once more through {@code appendGood} (when allowed) or reported
   * retryable.
   */
  static WriteResult withoutBadRows(List<Envelope> batch, Map<Integer, String> bad, boolean appendGoodAgain,
      Function<List<Envelope>, WriteResult> appendGood) {
    Map<Integer, Failure> out = new HashMap<>(BigQueryFailures.rowErrors(bad));
    List<Integer> goodIndexes = new ArrayList<>();
    List<Envelope> good = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      if (!bad.containsKey(i)) {
        goodIndexes.add(i);
        good.add(batch.get(i));
      }
    }
    if (good.isEmpty()) {
      return WriteResult.partial(out);
    }
    WriteResult again = appendGoodAgain ? appendGood.apply(good)
        : WriteResult.failed(Failure.retryable("not appended: another row of the request was rejected"));
    for (int k = 0; k < good.size(); k++) {
      Failure f = again.failureOf(k);
      if (f != null) {
        out.put(goodIndexes.get(k), f);
      }
    }
    return WriteResult.partial(out);
  }
}
