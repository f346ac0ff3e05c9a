package dev.eventkit.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed delivery is tried again: exponential backoff with full jitter (each delay drawn uniformly from zero
 * to {@code min(maxDelay, initialDelay * multiplier^(attempt-1))}), bounded by a number of attempts and/or a total
 * time, after which the events go to the dead-letter sink. A sink's own retry-after hint replaces the drawn delay
 * when it is longer.
 *
 * <p>Immutable and thread-safe. {@link Builder#build()} throws {@link IllegalArgumentException} for inconsistent
 * settings. Defaults: 100 ms initial, 30 s maximum delay, multiplier 2, and no attempt or time limit — a sink that
 * is down holds its own cursor (and its events stay in the log) until it recovers, rather than dead-lettering a
 * whole outage. Set a limit when a dead-letter destination is preferred to waiting.
 */
public final class RetryPolicy {

  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final int maxAttempts;
  private final Duration maxElapsed;

  private RetryPolicy(Builder b) {
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.multiplier = b.multiplier;
    this.maxAttempts = b.maxAttempts;
    this.maxElapsed = b.maxElapsed;
  }

  /** The default policy: exponential backoff, unlimited attempts. */
  public static RetryPolicy exponential() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The jittered delay before attempt {@code attempt + 1}, given {@code attempt} attempts failed so far. */
  public Duration delayAfter(int attempt, Duration retryAfterHint) {
    double ceiling = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
    long capped = (long) Math.min(ceiling, maxDelay.toNanos());
    long drawn = capped <= 0 ? 0 : ThreadLocalRandom.current().nextLong(capped + 1);
    Duration delay = Duration.ofNanos(drawn);
    if (retryAfterHint != null && retryAfterHint.compareTo(delay) > 0) {
      delay = retryAfterHint.compareTo(maxDelay) > 0 ? maxDelay : retryAfterHint;
    }
    return delay;
  }

  /** Whether another attempt is allowed after {@code attempts} failures, {@code elapsed} after the first try. */
  public boolean allowsAnotherAttempt(int attempts, Duration elapsed) {
    return attempts < maxAttempts && elapsed.compareTo(maxElapsed) < 0;
  }

  public Duration initialDelay() {
    return initialDelay;
  }

  public Duration maxDelay() {
    return maxDelay;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration maxElapsed() {
    return maxElapsed;
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private Duration initialDelay = Duration.ofMillis(100);
    private Duration maxDelay = Duration.ofSeconds(30);
    private double multiplier = 2.0;
    private int maxAttempts = Integer.MAX_VALUE;
    private Duration maxElapsed = Duration.ofSeconds(Long.MAX_VALUE);

    private Builder() {}

    public Builder initialDelay(Duration d) {
      this.initialDelay = Objects.requireNonNull(d, "initialDelay");
      return this;
    }

    public Builder maxDelay(Duration d) {
      this.maxDelay = Objects.requireNonNull(d, "maxDelay");
      return this;
    }

    public Builder multiplier(double m) {
      this.multiplier = m;
      return this;
    }

    /** Total attempts, the first one included. */
    public Builder maxAttempts(int n) {
      this.maxAttempts = n;
      return this;
    }

    /** Time after the first attempt beyond which no new attempt starts. */
    public Builder maxElapsed(Duration d) {
      this.maxElapsed = Objects.requireNonNull(d, "maxElapsed");
      return this;
    }

    public RetryPolicy build() {
      if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
      }
      if (multiplier < 1.0) {
        throw new IllegalArgumentException("multiplier must be >= 1");
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1");
      }
      if (maxElapsed.isNegative()) {
        throw new IllegalArgumentException("maxElapsed must be >= 0");
      }
      return new RetryPolicy(this);
    }
  }
}
