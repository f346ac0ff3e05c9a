package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpResponseException;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.eventkit.sink.Failure;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How BigQuery errors become retryable or permanent failures, per batch and per row. */
class BigQueryFailuresTest {

  /** An HTTP error as the client raises it: with a reason, or with the response (and its headers) as cause. */
  private static BigQueryException http(int code, String reason, String retryAfter) {
    if (retryAfter == null) {
      return new BigQueryException(code, "status " + code, new BigQueryError(reason, "", "status " + code));
    }
    HttpHeaders headers = new HttpHeaders();
    headers.setRetryAfter(retryAfter);
    return new BigQueryException(code, "status " + code,
        new HttpResponseException.Builder(code, "status", headers).build());
  }

  @Test
  void restThrottlingAndServerErrorsAreRetryableWithRetryAfter() {
    Failure f = BigQueryFailures.fromHttp(http(429, "rateLimitExceeded", "12"));
    assertThat(f.retryable()).isTrue();
    assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(12));
    assertThat(BigQueryFailures.fromHttp(http(503, "backendError", null)).retryable()).isTrue();
    assertThat(BigQueryFailures.fromHttp(http(403, "quotaExceeded", null)).retryable()).isTrue();
    assertThat(BigQueryFailures.fromHttp(http(404, "notFound", null)).retryable()).isTrue();
    assertThat(BigQueryFailures.fromHttp(new BigQueryException(new IOException("reset"))).retryable()).isTrue();
  }

  @Test
  void anInvalidRequestIsPermanentSoTheDispatcherSplitsIt() {
    Failure f = BigQueryFailures.fromHttp(http(400, "invalid", null));
    assertThat(f.retryable()).isFalse();
    assertThat(f.reason()).contains("400");
  }

  @Test
  void insertAllRowErrorsArePermanentOnlyForTheInvalidRows() {
    Map<Long, List<BigQueryError>> errors = Map.of(
        1L, List.of(new BigQueryError("invalid", "client_ip", "Cannot convert value 203.0.113.9 to integer")),
        0L, List.of(new BigQueryError("stopped", "", "")),
        2L, List.of(new BigQueryError("stopped", "", "")));
    Map<Integer, Failure> byRow = BigQueryFailures.insertErrors(errors);
    assertThat(byRow.get(1).retryable()).isFalse();
    assertThat(byRow.get(1).reason()).doesNotContain("203.0.113.9");
    assertThat(byRow.get(0).retryable()).isTrue();
    assertThat(byRow.get(2).retryable()).isTrue();
  }

  @Test
  void writeApiRowErrorsNameTheFieldButNotTheValue() {
    Map<Integer, Failure> byRow = BigQueryFailures.rowErrors(Map.of(3,
        "Field root.client_ip failed to convert to INT64. Error: For input string: \"203.0.113.9\""));
    assertThat(byRow.get(3).retryable()).isFalse();
    assertThat(byRow.get(3).reason()).contains("client_ip").doesNotContain("203.0.113.9");
  }

  @Test
  void grpcCodesMapToRetryableExceptInvalidArgumentAndCarryRetryInfo() {
    assertThat(BigQueryFailures.fromGrpc(Status.UNAVAILABLE.asRuntimeException()).retryable()).isTrue();
    assertThat(BigQueryFailures.fromGrpc(Status.DEADLINE_EXCEEDED.asRuntimeException()).retryable()).isTrue();
    assertThat(BigQueryFailures.fromGrpc(Status.RESOURCE_EXHAUSTED.asRuntimeException()).retryable()).isTrue();
    assertThat(BigQueryFailures.fromGrpc(Status.INVALID_ARGUMENT.asRuntimeException()).retryable()).isFalse();
    com.google.rpc.Status throttled = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
        .addDetails(Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(3)).build()))
        .build();
    Failure f = BigQueryFailures.fromGrpc(StatusProto.toStatusRuntimeException(throttled));
    assertThat(f.retryable()).isTrue();
    assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(3));
  }
}
