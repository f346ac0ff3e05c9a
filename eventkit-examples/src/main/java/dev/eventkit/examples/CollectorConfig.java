package dev.eventkit.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The example collector's settings, read from {@code EVENTKIT_*} environment variables (the names the Python
 * collector uses, where it has them). Immutable; {@link #fromEnvironment} throws {@link IllegalArgumentException}
 * naming the variable that holds a bad value.
 *
 * @param port {@code EVENTKIT_PORT}, default 8080 (0 picks a free port)
 * @param host {@code EVENTKIT_HOST}, default 0.0.0.0
 * @param dataDirectory {@code EVENTKIT_DATA_DIR}, default {@code ./eventkit-data}: the log and the file sinks
 * @param ringBufferMaxSize {@code EVENTKIT_RING_BUFFER_MAX_SIZE}, default 100000: consumed events kept for replay
 * @param ringBufferRetention {@code EVENTKIT_RING_BUFFER_RETENTION_HOURS}, default 24
 * @param capacityBytes {@code EVENTKIT_RING_BUFFER_CAPACITY_BYTES}, default 1 GiB: encoded size of undelivered
 *     events the log holds before intake answers 503
 * @param capacityEvents {@code EVENTKIT_RING_BUFFER_CAPACITY_EVENTS}, default unbounded: undelivered events the log
 *     holds before intake answers 503
 * @param durabilityFull {@code EVENTKIT_RING_BUFFER_SYNCHRONOUS}: {@code normal} (default) or {@code full}
 * @param asyncWorkers {@code EVENTKIT_ASYNC_WORKERS}, default 4
 * @param maxBodyBytes {@code EVENTKIT_MAX_BODY_BYTES}, default 1 MiB
 * @param trustForwardedHeaders {@code EVENTKIT_TRUST_FORWARDED_HEADERS}, default false
 * @param schemaDirectory {@code EVENTKIT_SCHEMA_DIR}, default {@code <data dir>/schemas}: a local schema source
 * @param igluUrl {@code EVENTKIT_IGLU_URL}: an Iglu-compatible schema server, or null
 * @param pixelRedirectHosts {@code EVENTKIT_PIXEL_REDIRECT_HOSTS}: comma-separated hosts pixels may redirect to
 * @param gcp the Google Cloud modes ({@link GcpConfig}): event store, queue mode, warehouse
 * @param snowplowCookie {@code EVENTKIT_SNOWPLOW_COOKIE}: {@code lax} (default, for plain http), {@code secure}
 *     (SameSite=None; Secure, behind TLS) or {@code off}
 * @param security write keys, origins, rate limits, proxies, address truncation, kept headers, access log
 *     ({@link SecurityConfig}); {@code trustForwardedHeaders} is read there too
 * @param httpHost {@code EVENTKIT_HTTP_HOST}: {@code netty} (default, the event-loop host of eventkit-netty) or
 *     {@code jdk} (the JDK's built-in server with a thread per request in flight)
 */
public record CollectorConfig(int port, String host, Path dataDirectory, long ringBufferMaxSize,
    Duration ringBufferRetention, long capacityBytes, long capacityEvents, boolean durabilityFull, int asyncWorkers,
    int maxBodyBytes,
    boolean trustForwardedHeaders, Path schemaDirectory, String igluUrl,
    java.util.List<String> pixelRedirectHosts,
    String snowplowCookie, GcpConfig gcp, SecurityConfig security, String httpHost) {

  public static CollectorConfig fromEnvironment(Map<String, String> env) {
    String sync = env.getOrDefault("EVENTKIT_RING_BUFFER_SYNCHRONOUS", "normal").toLowerCase(Locale.ROOT);
    if (!sync.equals("normal") && !sync.equals("full")) {
      throw new IllegalArgumentException("EVENTKIT_RING_BUFFER_SYNCHRONOUS must be 'normal' or 'full'");
    }
    Path dataDir = Path.of(env.getOrDefault("EVENTKIT_DATA_DIR", "./eventkit-data"));
    String iglu = env.get("EVENTKIT_IGLU_URL");
    if (iglu != null && !iglu.isBlank() && !iglu.startsWith("http://") && !iglu.startsWith("https://")) {
      throw new IllegalArgumentException("EVENTKIT_IGLU_URL must be an http(s) URL");
    }
    java.util.List<String> redirectHosts = new java.util.ArrayList<>();
    for (String h : env.getOrDefault("EVENTKIT_PIXEL_REDIRECT_HOSTS", "").split(",")) {
      if (!h.isBlank()) {
        redirectHosts.add(h.trim());
      }
    }
    return new CollectorConfig(
        (int) number(env, "EVENTKIT_PORT", 8080, 0, 65535),
        env.getOrDefault("EVENTKIT_HOST", "0.0.0.0"),
        dataDir,
        number(env, "EVENTKIT_RING_BUFFER_MAX_SIZE", 100_000, 0, Long.MAX_VALUE),
        Duration.ofHours(number(env, "EVENTKIT_RING_BUFFER_RETENTION_HOURS", 24, 0, 24L * 365 * 10)),
        number(env, "EVENTKIT_RING_BUFFER_CAPACITY_BYTES", 1L << 30, 1, Long.MAX_VALUE),
        number(env, "EVENTKIT_RING_BUFFER_CAPACITY_EVENTS", Long.MAX_VALUE, 1, Long.MAX_VALUE),
        sync.equals("full"),
        (int) number(env, "EVENTKIT_ASYNC_WORKERS", 4, 1, 256),
        (int) number(env, "EVENTKIT_MAX_BODY_BYTES", 1024 * 1024, 1, Integer.MAX_VALUE - 1),
        Boolean.parseBoolean(env.getOrDefault("EVENTKIT_TRUST_FORWARDED_HEADERS", "false")),
        Path.of(env.getOrDefault("EVENTKIT_SCHEMA_DIR", dataDir.resolve("schemas").toString())),
        iglu == null || iglu.isBlank() ? null : iglu.trim(),
        java.util.List.copyOf(redirectHosts),
        cookieMode(env.getOrDefault("EVENTKIT_SNOWPLOW_COOKIE", "lax")),
        GcpConfig.fromEnvironment(env),
        SecurityConfig.fromEnvironment(env), httpHost(env.getOrDefault("EVENTKIT_HTTP_HOST", "netty")));
  }

  private static String httpHost(String raw) {
    String host = raw.trim().toLowerCase(Locale.ROOT);
    if (!host.equals("netty") && !host.equals("jdk")) {
      throw new IllegalArgumentException("EVENTKIT_HTTP_HOST must be netty or jdk");
    }
    return host;
  }

  private static String cookieMode(String raw) {
    String mode = raw.trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("lax") && !mode.equals("secure") && !mode.equals("off")) {
      throw new IllegalArgumentException("EVENTKIT_SNOWPLOW_COOKIE must be lax, secure or off");
    }
    return mode;
  }

  private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw.trim());
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number");
    }
  }
}
