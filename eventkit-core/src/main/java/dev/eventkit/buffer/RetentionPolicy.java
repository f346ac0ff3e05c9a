package dev.eventkit.buffer;

import java.time.Duration;
import java.util.Objects;

/**
 * How long consumed records stay in the log (for replay and inspection) and how much unconsumed data it may hold
 * before intake is refused. Retention never deletes a record some open cursor has not consumed.
 *
 * <p>Immutable and thread-safe; {@link Builder#build()} throws {@link IllegalArgumentException} for non-positive
 * values. Defaults mirror the Python collector's: keep 100,000 consumed events for 24 hours, clean up every minute,
 * and no capacity limit on unconsumed data.
 */
public final class RetentionPolicy {

  private final long maxRetainedEvents;
  private final Duration maxAge;
  private final Duration cleanupInterval;
  private final long capacityEvents;
  private final long capacityBytes;

  private RetentionPolicy(Builder b) {
    this.maxRetainedEvents = b.maxRetainedEvents;
    this.maxAge = b.maxAge;
    this.cleanupInterval = b.cleanupInterval;
    this.capacityEvents = b.capacityEvents;
    this.capacityBytes = b.capacityBytes;
  }

  public static RetentionPolicy defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Consumed records beyond this count are deleted, oldest first. */
  public long maxRetainedEvents() {
    return maxRetainedEvents;
  }

  /** Consumed records older than this are deleted. */
  public Duration maxAge() {
    return maxAge;
  }

  /** How often retention runs. */
  public Duration cleanupInterval() {
    return cleanupInterval;
  }

  /** Unconsumed records the log holds before appends fail with {@link BufferFullException}. */
  public long capacityEvents() {
    return capacityEvents;
  }

  /** Encoded bytes of unconsumed records the log holds before appends fail with {@link BufferFullException}. */
  public long capacityBytes() {
    return capacityBytes;
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private long maxRetainedEvents = 100_000;
    private Duration maxAge = Duration.ofHours(24);
    private Duration cleanupInterval = Duration.ofMinutes(1);
    private long capacityEvents = Long.MAX_VALUE;
    private long capacityBytes = Long.MAX_VALUE;

    private Builder() {}

    public Builder maxRetainedEvents(long n) {
      this.maxRetainedEvents = n;
      return this;
    }

    public Builder maxAge(Duration maxAge) {
      this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
      return this;
    }

    public Builder cleanupInterval(Duration interval) {
      this.cleanupInterval = Objects.requireNonNull(interval, "cleanupInterval");
      return this;
    }

    public Builder capacityEvents(long n) {
      this.capacityEvents = n;
      return this;
    }

    public Builder capacityBytes(long n) {
      this.capacityBytes = n;
      return this;
    }

    public RetentionPolicy build() {
      if (maxRetainedEvents < 0) {
        throw new IllegalArgumentException("maxRetainedEvents must be >= 0");
      }
      if (maxAge.isNegative() || cleanupInterval.isNegative() || cleanupInterval.isZero()) {
        throw new IllegalArgumentException("maxAge must be >= 0 and cleanupInterval > 0");
      }
      if (capacityEvents <= 0 || capacityBytes <= 0) {
        throw new IllegalArgumentException("capacities must be positive");
      }
      return new RetentionPolicy(this);
    }
  }
}
