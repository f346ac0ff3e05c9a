package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.JobStatus;
import java.util.List;
import java.util.Set;

/**
 * Tells a load job that failed because of its objects' content (a data error: splitting the job finds the culprit)
 * from one that failed for any other reason: quota and rate limits ({@code quotaExceeded},
 * {@code rateLimitExceeded}), transient service errors ({@code backendError}, {@code internalError}), permissions
 * ({@code accessDenied}), a missing table ({@code notFound}), or a schema or configuration the table does not
 * accept. Those are nobody's data: splitting would only burn load-job quota and blame good objects.
 *
 * <p>The service reports a data error as {@code invalid} (or {@code invalidQuery}) with a {@code location} naming
 * the object or the position in it; the same reasons without a location describe the job or the table (for example
 * "Provided Schema does not match Table"). Stateless and thread-safe.
 *
 * @see <a href="https://cloud.google.com/bigquery/docs/error-messages">BigQuery error messages</a>
 */
final class LoadJobErrors {

  private static final Set<String> DATA_REASONS = Set.of("invalid", "invalidQuery");

  private LoadJobErrors() {}

  /** Whether a failed job's errors blame its objects' content. */
  static boolean isDataError(JobStatus status) {
    BigQueryError result = status.getError();
    if (result == null || !DATA_REASONS.contains(result.getReason())) {
      return false;
    }
    if (namesAPlace(result)) {
      return true;
    }
    List<BigQueryError> errors = status.getExecutionErrors();
    if (errors != null) {
      for (BigQueryError e : errors) {
        if (DATA_REASONS.contains(e.getReason()) && namesAPlace(e)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean namesAPlace(BigQueryError e) {
    return e.getLocation() != null && !e.getLocation().isBlank();
  }
}
