package dev.eventkit.gcp.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpResponseException;
import com.google.cloud.storage.StorageException;
import dev.eventkit.sink.Failure;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

/** How Cloud Storage errors become retryable or permanent failures. */
class GcsFailuresTest {

  private static StorageException http(int code, String retryAfter) {
    HttpHeaders headers = new HttpHeaders();
    if (retryAfter != null) {
      headers.setRetryAfter(retryAfter);
    }
    HttpResponseException cause = new HttpResponseException.Builder(code, "status " + code, headers).build();
    return new StorageException(code, "status " + code, cause);
  }

  @Test
  void throttlingTimeoutsAndServerErrorsAreRetryableWithTheServersHint() {
    Failure throttled = GcsFailures.of(http(429, "7"));
    assertThat(throttled.retryable()).isTrue();
    assertThat(throttled.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(GcsFailures.of(http(503, null)).retryable()).isTrue();
    assertThat(GcsFailures.of(http(503, null)).retryAfter()).isNull();
    assertThat(GcsFailures.of(http(408, null)).retryable()).isTrue();
    assertThat(GcsFailures.of(http(500, null)).reason()).contains("500");
  }

  @Test
  void anHttpDateRetryAfterIsHonoured() {
    String in30s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(30));
    Duration hint = GcsFailures.of(http(503, in30s)).retryAfter();
    assertThat(hint).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));
  }

  @Test
  void accessAndMissingBucketAreRetryableBecauseAnOperatorFixesThemWithoutTouchingTheEvents() {
    assertThat(GcsFailures.of(http(403, null)).retryable()).isTrue();
    assertThat(GcsFailures.of(http(401, null)).retryable()).isTrue();
    assertThat(GcsFailures.of(http(404, null)).retryable()).isTrue();
  }

  @Test
  void badRequestsArePermanent() {
    assertThat(GcsFailures.of(http(400, null)).retryable()).isFalse();
    assertThat(GcsFailures.of(http(413, null)).retryable()).isFalse();
  }

  @Test
  void networkErrorsAreRetryable() {
    assertThat(GcsFailures.of(new StorageException(new ConnectException("Connection refused"))).retryable()).isTrue();
    assertThat(GcsFailures.of(new RuntimeException(new IOException("reset"))).retryable()).isTrue();
    assertThat(GcsFailures.of(new IllegalStateException("odd")).retryable()).isTrue();
  }
}
