package dev.eventkit.gcp.pubsub;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.eventkit.sink.Failure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns Pub/Sub client errors into the pipeline's {@link Failure}s. Stateless and thread-safe. */
final class RpcFailures {

  private RpcFailures() {}

  /** The gRPC status code behind an error, or null when it carries none. */
  static StatusCode.Code code(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ApiException) {
        return ((ApiException) t).getStatusCode().getCode();
      }
      if (t instanceof StatusRuntimeException) {
        Status.Code c = ((StatusRuntimeException) t).getStatus().getCode();
        return StatusCode.Code.valueOf(c.name());
      }
    }
    return null;
  }

  /**
   * Only a malformed request is a permanent failure; everything else (unavailable, deadline, missing topic,
   * permissions an operator can fix) is worth retrying.
   */
  static Failure classify(Throwable error) {
    StatusCode.Code code = code(error);
    String reason = code != null ? "Pub/Sub " + code : error.getClass().getSimpleName();
    return code == StatusCode.Code.INVALID_ARGUMENT ? Failure.permanent(reason) : Failure.retryable(reason);
  }
}
