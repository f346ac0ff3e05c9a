package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Token buckets per client and per key, in bounded memory whatever the number of clients. */
class RateLimitsTest {

  @Test
  void eachClientHasItsOwnBucketAndIpv6CountsPer64() {
    RateLimits limits = RateLimits.builder().perClient(1, Duration.ofHours(1), 2).build();
    assertThat(limits.tryClient("198.51.100.1")).isZero();
    assertThat(limits.tryClient("198.51.100.1")).isZero();
    long wait = limits.tryClient("198.51.100.1");
    assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofHours(1).toNanos());
    assertThat(limits.tryClient("198.51.100.2")).isZero();
    assertThat(limits.tryClient("2001:db8:1:2::1")).isZero();
    assertThat(limits.tryClient("2001:db8:1:2:ffff::9")).isZero();
    assertThat(limits.tryClient("2001:db8:1:2:abcd::1")).as("same /64").isPositive();
    assertThat(limits.tryClient(null)).isZero();
    assertThat(limits.tryKey("web")).as("no key limit configured").isZero();
  }

  @Test
  void memoryIsBoundedHoweverManyClientsThereAre() {
    RateLimits limits = RateLimits.builder().perClient(10, 20).maxTrackedClients(1_000).build();
    for (int i = 0; i < 200_000; i++) {
      limits.tryClient("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
    }
    assertThat(limits.trackedBuckets()).isLessThanOrEqualTo(1_000 + 64).isGreaterThan(500);
  }

  @Test
  void noLimitsMeansNoState() {
    assertThat(RateLimits.none().enabled()).isFalse();
    assertThat(RateLimits.none().tryClient("198.51.100.1")).isZero();
    assertThat(RateLimits.builder().build().enabled()).isFalse();
  }
}
