package dev.eventkit.gcp.bigquery;

import com.google.api.client.http.HttpResponseException;
import com.google.api.gax.rpc.ApiException;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.eventkit.sink.Failure;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps BigQuery errors (REST and Storage Write API) to {@link Failure}s.
 *
 * <ul>
 *   <li>Rejections of specific rows (Write API row errors, {@code insertAll} errors with reason {@code invalid})
 *       are permanent for those rows only; rows {@code insertAll} "stopped" because of another row are
 *       retryable.
 *   <li>A whole request refused as invalid (HTTP 400, gRPC INVALID_ARGUMENT: too large, malformed) is permanent,
 *       so the dispatcher splits the batch until the offending events stand alone.
 *   <li>Everything else is retryable: throttling, timeouts, 5xx, UNAVAILABLE, DEADLINE_EXCEEDED, network errors,
 *       a missing dataset or table (re-created on the next attempt), refused access and schema mismatches (an
 *       operator fixes those without changing the events). The server's Retry-After header or gRPC RetryInfo is
 *       passed on.
 * </ul>
 * Reasons name codes and fields only, never values: the services' messages can quote row content. Stateless and
 * thread-safe.
 */
final class BigQueryFailures {

  private static final Pattern FIELD = Pattern.compile("[Ff]ield (root\\.)?([A-Za-z0-9_.]+)");

  private BigQueryFailures() {}

  /** The failure for an error of the REST API ({@code insertAll}, tables, jobs). */
  static Failure fromHttp(Throwable error) {
    BigQueryException e = find(error, BigQueryException.class);
    if (e == null) {
      return generic(error);
    }
    int code = e.getCode();
    String reason = e.getReason() != null ? " " + e.getReason() : "";
    if (code == 408 || code == 429 || code >= 500) {
      return Failure.retryable("BigQuery answered HTTP " + code + reason, retryAfter(e));
    }
    if (code == 401 || code == 403) {
      return Failure.retryable("BigQuery refused (HTTP " + code + reason + "): quota, credentials or IAM",
          retryAfter(e));
    }
    if (code == 404) {
      return Failure.retryable("BigQuery dataset or table not found (HTTP 404)");
    }
    if (code >= 400) {
      return Failure.permanent("BigQuery rejected the request (HTTP " + code + reason + ")");
    }
    return Failure.retryable("BigQuery unreachable: " + describe(e.getCause() != null ? e.getCause() : e));
  }

  /** The failure for an error of the Storage Write API (gRPC). */
  static Failure fromGrpc(Throwable error) {
    if (find(error, Exceptions.SchemaMismatchedException.class) != null) {
      return Failure.retryable("BigQuery Write API: the table schema does not match the rows");
    }
    Status.Code code = grpcCode(error);
    if (code == null) {
      return generic(error);
    }
    if (code == Status.Code.INVALID_ARGUMENT) {
      return Failure.permanent("BigQuery Write API rejected the request (INVALID_ARGUMENT)");
    }
    return Failure.retryable("BigQuery Write API: " + code, retryInfo(error));
  }

  /** The gRPC status code somewhere in the cause chain, or null when there is none. */
  static Status.Code grpcCode(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof io.grpc.StatusRuntimeException s) {
        return s.getStatus().getCode();
      }
      if (c instanceof io.grpc.StatusException s) {
        return s.getStatus().getCode();
      }
      if (c instanceof ApiException a && a.getStatusCode().getCode() != null) {
        return Status.Code.valueOf(a.getStatusCode().getCode().name());
      }
    }
    return null;
  }

  /** Permanent failures for the rows a Write API request rejected, by index in the request. */
  static Map<Integer, Failure> rowErrors(Map<Integer, String> messagesByIndex) {
    Map<Integer, Failure> out = new HashMap<>();
    for (Map.Entry<Integer, String> e : messagesByIndex.entrySet()) {
      out.put(e.getKey(), Failure.permanent("BigQuery rejected the row" + field(e.getValue())));
    }
    return out;
  }

  /** Failures for {@code insertAll} row errors: {@code invalid} is permanent, the rest (stopped, …) retryable. */
  static Map<Integer, Failure> insertErrors(Map<Long, List<BigQueryError>> errors) {
    Map<Integer, Failure> out = new HashMap<>();
    for (Map.Entry<Long, List<BigQueryError>> e : errors.entrySet()) {
      boolean invalid = false;
      String reason = "unknown";
      for (BigQueryError err : e.getValue()) {
        if ("invalid".equals(err.getReason())) {
          invalid = true;
          reason = "invalid" + field(err.getLocation()) + field(err.getMessage());
        } else if (!invalid && err.getReason() != null) {
          reason = err.getReason();
        }
      }
      out.put(e.getKey().intValue(), invalid
          ? Failure.permanent("BigQuery rejected the row (" + reason + ")")
          : Failure.retryable("BigQuery did not insert the row (" + reason + ")"));
    }
    return out;
  }

  private static String field(String message) {
    if (message == null) {
      return "";
    }
    Matcher m = FIELD.matcher(message);
    return m.find() ? " (field " + m.group(2) + ")" : "";
  }

  private static Failure generic(Throwable error) {
    if (find(error, IOException.class) != null) {
      return Failure.retryable("BigQuery unreachable: " + describe(find(error, IOException.class)));
    }
    return Failure.retryable("BigQuery write failed: " + error.getClass().getSimpleName());
  }

  private static Duration retryAfter(Throwable error) {
    HttpResponseException http = find(error, HttpResponseException.class);
    if (http == null || http.getHeaders() == null || http.getHeaders().getRetryAfter() == null) {
      return null;
    }
    return Failure.parseRetryAfter(http.getHeaders().getRetryAfter());
  }

  /** The delay of a {@code google.rpc.RetryInfo} detail in the error's status, or null. */
  static Duration retryInfo(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
      com.google.rpc.Status status = StatusProto.fromThrowable(c);
      if (status == null) {
        continue;
      }
      for (Any detail : status.getDetailsList()) {
        if (detail.is(RetryInfo.class)) {
          try {
            com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
            return Duration.ofSeconds(d.getSeconds(), d.getNanos());
          } catch (InvalidProtocolBufferException e) {
            return null;
          }
        }
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName();
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
