package dev.eventkit.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The example collector's settings, resolved by {@link EffectiveConfig} from the YAML file and the environment (see
 * {@link ConfigKeys} for every key, its variable and its default). Immutable; {@link #load} and
 * {@link #fromEnvironment} throw {@link IllegalArgumentException} naming the key, where it was set, and the problem.
 *
 * @param port {@code server.port} (0 picks a free port)
 * @param host {@code server.host}
 * @param dataDirectory {@code data_dir}: the log and the file sinks
 * @param ringBufferPath {@code ring_buffer.db_path}, default {@code <data_dir>/wal.db}
 * @param ringBufferMaxSize {@code ring_buffer.max_size}: consumed events kept for replay
 * @param ringBufferRetention {@code ring_buffer.retention_hours}
 * @param cleanupInterval {@code ring_buffer.cleanup_interval} seconds between retention sweeps
 * @param capacityBytes {@code ring_buffer.capacity_bytes}: encoded size of undelivered events before 503
 * @param capacityEvents {@code ring_buffer.capacity_events}: undelivered events before 503, default unbounded
 * @param durabilityFull {@code ring_buffer.synchronous}: {@code normal} (default) or {@code full}
 * @param asyncWorkers {@code async.workers}
 * @param publishBatchSize {@code ring_buffer.publisher_batch_size}: events per publish to Pub/Sub or Kafka; 0 for
 *     the queue's default
 * @param sinkBatchSize {@code eventloader.batch_size}: most events per sink write (and per Cloud Storage object);
 *     0 for the defaults
 * @param flushInterval {@code eventloader.flush_interval}: a Cloud Storage object's linger; null for the sink's
 * @param maxBodyBytes {@code server.max_body_bytes}
 * @param schemaDirectory {@code schemas.dir}, default {@code <data_dir>/schemas}: a local schema source
 * @param igluUrl {@code schemas.iglu_url}: an Iglu-compatible schema server, or null
 * @param inputs the enabled inputs ({@code inputs.<name>.enabled}): segment, snowplow, selfdescribing,
 *     cloudevents, webhook, pixel
 * @param segmentCollectPath {@code inputs.segment.collect_path}
 * @param pixelRedirectHosts {@code inputs.pixel.redirect_hosts}: hosts pixels may redirect to
 * @param snowplowCookie {@code inputs.snowplow.cookie}: {@code lax}, {@code secure} or {@code off}
 * @param gcp the Google Cloud modes ({@link GcpConfig}): event store, queue mode, warehouse
 * @param kafka the Kafka queue mode ({@link KafkaConfig})
 * @param security write keys, origins, rate limits, proxies, address truncation, kept headers, access log
 *     ({@link SecurityConfig})
 * @param httpHost {@code server.http_host}: {@code netty} or {@code jdk}
 * @param logLevel {@code log.level}: the root level, as Logback spells it
 * @param jsonLogs {@code log.json}
 * @param metricsPath {@code metrics.path}, or null when off
 * @param tools the test page, API documentation and echo routes ({@code tools.*}, {@link ToolsConfig})
 * @param source the resolved settings this was read from (for {@code --print-config} and warnings)
 */
public record CollectorConfig(int port, String host, Path dataDirectory, Path ringBufferPath, long ringBufferMaxSize,
    Duration ringBufferRetention, Duration cleanupInterval, long capacityBytes, long capacityEvents,
    boolean durabilityFull, int asyncWorkers, int publishBatchSize, int sinkBatchSize, Duration flushInterval,
    int maxBodyBytes, Path schemaDirectory, String igluUrl, Set<String> inputs, String segmentCollectPath,
    List<String> pixelRedirectHosts, String snowplowCookie, GcpConfig gcp, KafkaConfig kafka,
    SecurityConfig security, String httpHost, String logLevel, boolean jsonLogs, String metricsPath,
    ToolsConfig tools, EffectiveConfig source) {

  /** The inputs the collector knows, by the name of their {@code inputs.<name>} keys. */
  public static final List<String> INPUTS =
      List.of("segment", "snowplow", "selfdescribing", "cloudevents", "webhook", "pixel");

  /** Reads {@code file} (or the one {@code EVENTKIT_CONFIG} names, when null) and the environment {@code env}. */
  public static CollectorConfig load(Path file, Map<String, String> env) {
    EffectiveConfig source = EffectiveConfig.load(file, env);
    try {
      return from(source);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source.describe(e.getMessage()), e);
    }
  }

  /** The settings from the environment alone (and the file {@code EVENTKIT_CONFIG} names, if any). */
  public static CollectorConfig fromEnvironment(Map<String, String> env) {
    return load(null, env);
  }

  private static CollectorConfig from(EffectiveConfig source) {
    Map<String, String> env = source.byVariable();
    String sync = env.getOrDefault("EVENTKIT_RING_BUFFER_SYNCHRONOUS", "normal").toLowerCase(Locale.ROOT);
    if (!sync.equals("normal") && !sync.equals("full")) {
      throw new IllegalArgumentException("EVENTKIT_RING_BUFFER_SYNCHRONOUS must be 'normal' or 'full'");
    }
    if (!env.getOrDefault("EVENTKIT_RING_BUFFER_MODE", "sqlite").equalsIgnoreCase("sqlite")) {
      throw new IllegalArgumentException("EVENTKIT_RING_BUFFER_MODE must be sqlite (the only log there is)");
    }
    // Validated for the Python collector's guide, though nothing here polls.
    decimalSeconds(env, "EVENTKIT_RING_BUFFER_PUBLISHER_POLL_INTERVAL");
    Path dataDir = Path.of(env.getOrDefault("EVENTKIT_DATA_DIR", "./eventkit-data"));
    String iglu = env.get("EVENTKIT_SCHEMAS_IGLU_URL");
    if (iglu != null && !iglu.startsWith("http://") && !iglu.startsWith("https://")) {
      throw new IllegalArgumentException("EVENTKIT_SCHEMAS_IGLU_URL must be an http(s) URL");
    }
    Set<String> inputs = new LinkedHashSet<>();
    for (String input : INPUTS) {
      if (flag(env, "EVENTKIT_INPUTS_" + input.toUpperCase(Locale.ROOT) + "_ENABLED")) {
        inputs.add(input);
      }
    }
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("inputs: at least one input must be enabled");
    }
    String collectPath = env.getOrDefault("EVENTKIT_INPUTS_SEGMENT_COLLECT_PATH", "/collect");
    if (!collectPath.matches("/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]")) {
      throw new IllegalArgumentException("EVENTKIT_INPUTS_SEGMENT_COLLECT_PATH must be a path like /collect");
    }
    List<String> redirectHosts = new ArrayList<>();
    for (String h : env.getOrDefault("EVENTKIT_INPUTS_PIXEL_REDIRECT_HOSTS", "").split(",")) {
      if (!h.isBlank()) {
        redirectHosts.add(h.trim());
      }
    }
    Duration flush = decimalSeconds(env, "EVENTKIT_EVENTLOADER_FLUSH_INTERVAL");
    GcpConfig gcp = GcpConfig.fromEnvironment(env);
    return new CollectorConfig(
        (int) number(env, "EVENTKIT_SERVER_PORT", 8080, 0, 65535),
        env.getOrDefault("EVENTKIT_SERVER_HOST", "0.0.0.0"),
        dataDir,
        Path.of(env.getOrDefault("EVENTKIT_RING_BUFFER_DB_PATH", dataDir.resolve("wal.db").toString())),
        number(env, "EVENTKIT_RING_BUFFER_MAX_SIZE", 100_000, 0, Long.MAX_VALUE),
        Duration.ofHours(number(env, "EVENTKIT_RING_BUFFER_RETENTION_HOURS", 24, 0, 24L * 365 * 10)),
        orDefault(decimalSeconds(env, "EVENTKIT_RING_BUFFER_CLEANUP_INTERVAL"), Duration.ofMinutes(1)),
        number(env, "EVENTKIT_RING_BUFFER_CAPACITY_BYTES", 1L << 30, 1, Long.MAX_VALUE),
        number(env, "EVENTKIT_RING_BUFFER_CAPACITY_EVENTS", Long.MAX_VALUE, 1, Long.MAX_VALUE),
        sync.equals("full"),
        (int) number(env, "EVENTKIT_ASYNC_WORKERS", 4, 1, 256),
        (int) number(env, "EVENTKIT_RING_BUFFER_PUBLISHER_BATCH_SIZE", 0, 1, 1000),
        (int) number(env, "EVENTKIT_EVENTLOADER_BATCH_SIZE", 0, 1, 100_000),
        flush,
        (int) number(env, "EVENTKIT_SERVER_MAX_BODY_BYTES", 1024 * 1024, 1, Integer.MAX_VALUE - 1),
        Path.of(env.getOrDefault("EVENTKIT_SCHEMAS_DIR", dataDir.resolve("schemas").toString())),
        iglu,
        Set.copyOf(inputs),
        collectPath,
        List.copyOf(redirectHosts),
        cookieMode(env.getOrDefault("EVENTKIT_INPUTS_SNOWPLOW_COOKIE", "lax")),
        gcp,
        KafkaConfig.fromEnvironment(env, gcp.queueMode().equals("kafka")),
        SecurityConfig.fromEnvironment(env),
        httpHost(env.getOrDefault("EVENTKIT_SERVER_HTTP_HOST", "netty")),
        logLevel(env.getOrDefault("EVENTKIT_LOG_LEVEL", "INFO")),
        flag(env, "EVENTKIT_LOG_JSON"),
        metricsPath(env.getOrDefault("EVENTKIT_METRICS_PATH", "/metrics")),
        ToolsConfig.fromVariables(env),
        source);
  }

  /** Whether this host runs sinks at all (a Pub/Sub or Kafka publisher host only publishes its log). */
  public boolean deliversHere() {
    return gcp.deliversHere() && !(gcp.queueMode().equals("kafka") && kafka.role().equals("publisher"));
  }

  /** What the operator should hear about the configuration itself at startup. */
  public List<String> warnings() {
    List<String> out = new ArrayList<>(source.warnings());
    if (source.isSet("ring_buffer.publisher_poll_interval")) {
      out.add("ring_buffer.publisher_poll_interval has no effect: deliveries wake on each commit of the log");
    }
    if (source.isSet("ring_buffer.publisher_batch_size") && gcp.queueMode().equals("async")) {
      out.add("ring_buffer.publisher_batch_size has no effect in queue mode async (nothing is published)");
    }
    return out;
  }

  private static String logLevel(String raw) {
    String level = raw.trim().toUpperCase(Locale.ROOT);
    if (level.equals("WARNING")) {
      return "WARN";
    }
    if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(level)) {
      throw new IllegalArgumentException("EVENTKIT_LOG_LEVEL must be TRACE, DEBUG, INFO, WARN, ERROR or OFF");
    }
    return level;
  }

  private static String metricsPath(String raw) {
    String path = raw.trim();
    if (path.equalsIgnoreCase("off") || path.equalsIgnoreCase("none")) {
      return null;
    }
    if (!path.matches("/[A-Za-z0-9._~/-]*")) {
      throw new IllegalArgumentException("EVENTKIT_METRICS_PATH must be a path like /metrics, or off");
    }
    return path;
  }

  private static String httpHost(String raw) {
    String host = raw.trim().toLowerCase(Locale.ROOT);
    if (!host.equals("netty") && !host.equals("jdk")) {
      throw new IllegalArgumentException("EVENTKIT_SERVER_HTTP_HOST must be netty or jdk");
    }
    return host;
  }

  private static String cookieMode(String raw) {
    String mode = raw.trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("lax") && !mode.equals("secure") && !mode.equals("off")) {
      throw new IllegalArgumentException("EVENTKIT_INPUTS_SNOWPLOW_COOKIE must be lax, secure or off");
    }
    return mode;
  }

  private static boolean flag(Map<String, String> env, String name) {
    String v = env.getOrDefault(name, "false").trim().toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(name + " must be true or false");
    }
    return v.equals("true");
  }

  /** Seconds, possibly fractional ({@code 0.1}), as the Python collector writes them; null when unset. */
  private static Duration decimalSeconds(Map<String, String> env, String name) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      double seconds = Double.parseDouble(raw.trim());
      if (!(seconds > 0) || seconds > 86_400 * 365) {
        throw new IllegalArgumentException(name + " must be a positive number of seconds");
      }
      return Duration.ofNanos((long) (seconds * 1e9));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number of seconds");
    }
  }

  private static Duration orDefault(Duration d, Duration fallback) {
    return d == null ? fallback : d;
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
