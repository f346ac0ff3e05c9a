package dev.eventkit.gcp.gcs;

import com.google.api.client.http.HttpResponseException;
import com.google.cloud.storage.StorageException;
import dev.eventkit.sink.Failure;
import java.io.IOException;
import java.time.Duration;

/**
 * Maps Cloud Storage client errors to {@link Failure}s. Object content is opaque to GCS, so almost nothing is a
 * rejection of the events themselves: only HTTP 400 and other unexpected 4xx answers are permanent. Throttling
 * (429), timeouts (408), server errors (5xx), network errors, a missing bucket (404) and refused access (401/403,
 * which an operator fixes without changing the events) are retryable, so the sink holds its cursor instead of
 * dead-lettering an outage. Stateless and thread-safe; reasons never contain object content.
 */
final class GcsFailures {

  private GcsFailures() {}

  static Failure of(Throwable error) {
    StorageException se = find(error, StorageException.class);
    if (se != null) {
      int code = se.getCode();
      if (code == 408 || code == 429 || code >= 500) {
        return Failure.retryable("GCS answered HTTP " + code, retryAfter(se));
      }
      if (code == 401 || code == 403) {
        return Failure.retryable("GCS refused access (HTTP " + code + "): check credentials and bucket IAM");
      }
      if (code == 404) {
        return Failure.retryable("GCS bucket not found (HTTP 404)");
      }
      if (code >= 400) {
        return Failure.permanent("GCS rejected the object (HTTP " + code + ")");
      }
      return Failure.retryable("GCS unreachable: " + describe(se.getCause() != null ? se.getCause() : se));
    }
    if (find(error, IOException.class) != null) {
      return Failure.retryable("GCS unreachable: " + describe(find(error, IOException.class)));
    }
    return Failure.retryable("GCS write failed: " + describe(error));
  }

  /** The server's Retry-After hint (seconds or an HTTP date) when the error carries one. */
  static Duration retryAfter(Throwable error) {
    HttpResponseException http = find(error, HttpResponseException.class);
    if (http == null || http.getHeaders() == null) {
      return null;
    }
    return Failure.parseRetryAfter(http.getHeaders().getRetryAfter());
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }

  static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
