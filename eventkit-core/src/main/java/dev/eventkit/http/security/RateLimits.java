package dev.eventkit.http.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request rate limits per client address and per write key: one token bucket (Bucket4j) per client, each request
 * taking one token, refilled greedily at the configured rate up to the burst. A refused request learns how long
 * until a token is back, for {@code Retry-After}.
 *
 * <p>Memory stays bounded however many clients there are: buckets live in a fixed number of stripes, each an LRU
 * map of bounded size, so at most {@link Builder#maxTrackedClients} buckets exist; the least recently seen client
 * of a full stripe is forgotten (and starts again with a full bucket). IPv6 clients are limited per /64 network,
 * the block one subscriber usually holds, so that one host cannot escape its limit by rotating addresses.
 *
 * <p>Thread-safe: each stripe has its own lock, held only to find and charge a bucket. Limits are per process; a
 * fleet of collectors behind a load balancer allows each process its own budget.
 */
public final class RateLimits {

  private static final int STRIPES = 64;
  private static final RateLimits NONE = new RateLimits(null, null);

  private final Table perClient;
  private final Table perKey;

  private RateLimits(Table perClient, Table perKey) {
    this.perClient = perClient;
    this.perKey = perKey;
  }

  /** No limit at all. The collector's default. */
  public static RateLimits none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether any limit is configured. */
  public boolean enabled() {
    return perClient != null || perKey != null;
  }

  /**
   * Takes a token for a request from {@code clientIp}: 0 when allowed (or unlimited, or the address unknown), else
   * the nanoseconds until a token is back.
   */
  public long tryClient(String clientIp) {
    if (perClient == null || clientIp == null) {
      return 0;
    }
    byte[] b = IpLiteral.parse(clientIp);
    String key = b == null ? clientIp : b.length == 16 ? IpLiteral.format(IpRange.mask(b, 64)) : clientIp;
    return perClient.take(key);
  }

  /** Takes a token for a request authorised by the key labelled {@code keyName}; as {@link #tryClient}. */
  public long tryKey(String keyName) {
    if (perKey == null || keyName == null) {
      return 0;
    }
    return perKey.take(keyName);
  }

  /** How many client and key buckets are held now (for tests and metrics). */
  public int trackedBuckets() {
    return (perClient == null ? 0 : perClient.size()) + (perKey == null ? 0 : perKey.size());
  }

  /** Buckets by client, in striped LRU maps of bounded size. */
  private static final class Table {
    private final Bandwidth limit;
    private final Stripe[] stripes;

    Table(Bandwidth limit, int maxEntries) {
      this.limit = limit;
      this.stripes = new Stripe[STRIPES];
      int perStripe = Math.max(1, (maxEntries + STRIPES - 1) / STRIPES);
      for (int i = 0; i < STRIPES; i++) {
        stripes[i] = new Stripe(perStripe);
      }
    }

    long take(String client) {
      Stripe s = stripes[Math.floorMod(client.hashCode() * 0x9E3779B9, STRIPES)];
      synchronized (s) {
        Bucket bucket = s.get(client);
        if (bucket == null) {
          // Charged under the stripe's lock, so the bucket itself needs no synchronisation of its own.
          bucket = Bucket.builder().addLimit(limit).withSynchronizationStrategy(SynchronizationStrategy.NONE)
              .build();
          s.put(client, bucket);
        }
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
      }
    }

    int size() {
      int n = 0;
      for (Stripe s : stripes) {
        synchronized (s) {
          n += s.size();
        }
      }
      return n;
    }
  }

  /** An access-ordered map that forgets its least recently used entry beyond its capacity. */
  private static final class Stripe extends LinkedHashMap<String, Bucket> {
    private static final long serialVersionUID = 1L;
    private final int capacity;

    Stripe(int capacity) {
      super(16, 0.75f, true);
      this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > capacity;
    }
  }

  /**
   * Configures {@link RateLimits}; not thread-safe. Defaults: no limit; at most 100,000 buckets per kind of limit.
   * {@link #build()} throws {@link IllegalArgumentException} for a non-positive setting.
   */
  public static final class Builder {
    private Bandwidth perClient;
    private Bandwidth perKey;
    private int maxTrackedClients = 100_000;

    private Builder() {}

    /** Each client address may send {@code burst} requests at once, refilled by {@code perSecond} a second. */
    public Builder perClient(long perSecond, long burst) {
      this.perClient = bandwidth(perSecond, Duration.ofSeconds(1), burst);
      return this;
    }

    /** Each client address gets {@code tokens} requests every {@code period}, up to {@code burst} at once. */
    public Builder perClient(long tokens, Duration period, long burst) {
      this.perClient = bandwidth(tokens, period, burst);
      return this;
    }

    /** Each write key may send {@code burst} requests at once, refilled by {@code perSecond} a second. */
    public Builder perKey(long perSecond, long burst) {
      this.perKey = bandwidth(perSecond, Duration.ofSeconds(1), burst);
      return this;
    }

    /** Each write key gets {@code tokens} requests every {@code period}, up to {@code burst} at once. */
    public Builder perKey(long tokens, Duration period, long burst) {
      this.perKey = bandwidth(tokens, period, burst);
      return this;
    }

    /** The most buckets kept per kind of limit (client addresses, keys); 100,000 by default. */
    public Builder maxTrackedClients(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxTrackedClients must be positive");
      }
      this.maxTrackedClients = max;
      return this;
    }

    private static Bandwidth bandwidth(long tokens, Duration period, long burst) {
      if (tokens < 1 || burst < 1 || period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("a rate limit needs a positive rate, period and burst");
      }
      return Bandwidth.builder().capacity(burst).refillGreedy(tokens, period).build();
    }

    public RateLimits build() {
      if (perClient == null && perKey == null) {
        return NONE;
      }
      return new RateLimits(perClient == null ? null : new Table(perClient, maxTrackedClients),
          perKey == null ? null : new Table(perKey, maxTrackedClients));
    }
  }
}
