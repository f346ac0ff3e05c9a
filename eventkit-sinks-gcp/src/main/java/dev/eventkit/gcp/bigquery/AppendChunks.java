package dev.eventkit.gcp.bigquery;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.WriteResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cuts a batch into AppendRows requests below the Storage Write API's 10 MB request limit and merges their results
 * by index. A row's size is taken as its JSON text, which is larger than its protobuf encoding (numbers and
 * timestamps as text, quotes, escapes), so a part of at most {@link #MAX_PART_BYTES} of JSON stays below the limit.
 *
 * <p>Parts are appended in order. When a part fails as a whole, the parts after it are not tried: if it is the
 * first part its failure is the batch's (a permanent one makes the dispatcher halve the batch, as for any request
 * the service refuses); otherwise the events from it on fail retryable, so the retry starts with that part.
 * Stateless and thread-safe.
 *
 * @see <a href="https://cloud.google.com/bigquery/quotas#write-api-limits">Storage Write API limits</a>
 */
final class AppendChunks {

  /** JSON bytes per request: the limit is 10 MB (10,000,000 bytes) for the whole request, metadata included. */
  static final int MAX_PART_BYTES = 8 * 1024 * 1024;

  private AppendChunks() {}

  /** Appends {@code batch} through {@code append}, one call per part. */
  static WriteResult append(List<Envelope> batch, Function<List<Envelope>, WriteResult> append) {
    List<List<Envelope>> parts = parts(batch, MAX_PART_BYTES);
    if (parts.size() == 1) {
      return append.apply(batch);
    }
    Map<Integer, Failure> failures = new HashMap<>();
    int offset = 0;
    for (int p = 0; p < parts.size(); p++) {
      List<Envelope> part = parts.get(p);
      WriteResult r = append.apply(part);
      if (r.batchFailure() != null) {
        if (p == 0) {
          return r;
        }
        // A permanent failure is reported retryable here, so that the retry starts with this part and gets it
        // as the batch's own failure.
        Failure retry = r.batchFailure().retryable() ? r.batchFailure()
            : Failure.retryable("not appended: a part of the batch was refused; retried first");
        for (int i = offset; i < batch.size(); i++) {
          failures.put(i, retry);
        }
        return WriteResult.partial(failures);
      }
      for (int k = 0; k < part.size(); k++) {
        Failure f = r.failureOf(k);
        if (f != null) {
          failures.put(offset + k, f);
        }
      }
      offset += part.size();
    }
    return failures.isEmpty() ? WriteResult.success() : WriteResult.partial(failures);
  }

  /** Consecutive parts of at most {@code maxBytes} of row JSON each (a larger single row is a part of its own). */
  static List<List<Envelope>> parts(List<Envelope> batch, int maxBytes) {
    List<List<Envelope>> parts = new ArrayList<>();
    List<Envelope> current = new ArrayList<>();
    long bytes = 0;
    for (Envelope e : batch) {
      int size = EnvelopeRow.toWriteApiRow(e).toString().getBytes(StandardCharsets.UTF_8).length;
      if (!current.isEmpty() && bytes + size > maxBytes) {
        parts.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(e);
      bytes += size;
    }
    if (!current.isEmpty()) {
      parts.add(current);
    }
    return parts;
  }
}
