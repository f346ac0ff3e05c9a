package dev.eventkit.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the example collector ({@link ConfigKey}), in the order the README's table and
 * {@code --print-config} show them. The one place a setting is declared: the configuration file's schema, the
 * environment overrides, the aliases and the documentation are all read from here. Immutable and thread-safe.
 */
public final class ConfigKeys {

  /** Variables of the Python collector's guide that have no counterpart here: accepted, with a warning. */
  public static final Map<String, String> WITHOUT_EFFECT = Map.of(
      "EVENTKIT_BUFFER_SIZE", "the per-partition buffers are replaced by the write-ahead log",
      "EVENTKIT_BUFFER_MAX_SIZE", "the per-partition buffers are replaced by the write-ahead log",
      "EVENTKIT_BUFFER_TIMEOUT", "the per-partition buffers are replaced by the write-ahead log");

  /** Variables the collector reads that are not settings of the file. */
  public static final List<String> NOT_KEYS = List.of("EVENTKIT_CONFIG");

  private static final List<ConfigKey> ALL = List.of(
      key("server.host", "0.0.0.0", "EVENTKIT_HOST", "Address to listen on (127.0.0.1 for local use only)."),
      key("server.port", "8080", "EVENTKIT_PORT", "Port to listen on; 0 picks a free one."),
      key("server.http_host", "netty", "EVENTKIT_HTTP_HOST",
          "`netty`: the event-loop host of eventkit-netty (timeouts, connection cap); `jdk`: the JDK's built-in "
              + "server, a thread per request in flight."),
      key("server.max_body_bytes", "1048576", "EVENTKIT_MAX_BODY_BYTES", "Largest request body accepted (413 beyond)."),
      key("data_dir", "./eventkit-data", null,
          "The log (`wal.db`) and the file sinks (`events/`, `invalid/`, `dead-letter/`)."),
      key("ring_buffer.mode", "sqlite", null, "Write-ahead log implementation; `sqlite` is the only one."),
      key("ring_buffer.db_path", "", null, "The log's SQLite file; default `<data_dir>/wal.db`."),
      key("ring_buffer.synchronous", "normal", null,
          "`normal` (survives a process crash) or `full` (also a power loss, slower)."),
      key("ring_buffer.max_size", "100000", null, "Delivered events kept for replay (size-based cleanup)."),
      key("ring_buffer.retention_hours", "24", null, "Age after which delivered events are removed."),
      key("ring_buffer.cleanup_interval", "60", null, "Seconds between retention sweeps."),
      key("ring_buffer.capacity_bytes", "1073741824", null,
          "Encoded bytes of undelivered events the log holds before intake answers 503."),
      key("ring_buffer.capacity_events", "", null,
          "Undelivered events the log holds before intake answers 503; default unbounded."),
      key("ring_buffer.publisher_batch_size", "", null,
          "Events per publish to Pub/Sub or Kafka (queue mode pubsub/kafka); default the queue's own (100)."),
      key("ring_buffer.publisher_poll_interval", "", null,
          "Accepted for the Python collector's guide; no effect: deliveries wake on each commit, nothing polls."),
      key("eventloader.batch_size", "", null,
          "Most events handed to one sink write, and per Cloud Storage object; default 500 (GCS: 10000)."),
      key("eventloader.flush_interval", "", null,
          "Seconds a Cloud Storage object waits for more events before it is written; default the sink's own."),
      key("queue.mode", "async", null,
          "`async` (deliver in this process), `pubsub` or `kafka` (publish the log for workers on other hosts)."),
      key("async.workers", "4", null, "Batches each sink may have in flight (queue mode async)."),
      key("event_store", "file", null, "Where valid events go: `file` (NDJSON under data_dir), `gcs` or `firestore`."),
      key("gcp.project_id", "", "GCP_PROJECT_ID", "Google Cloud project; required by every Google Cloud mode."),
      key("gcp.location", "", "GCP_LOCATION",
          "Location of the buckets and datasets the collector creates (such as `EU`); default the services' own (US)."),
      key("sinks.gcs.bucket", "", "GCP_GCS_BUCKET", "Cloud Storage bucket (event_store gcs)."),
      key("sinks.gcs.location", "", "GCP_GCS_LOCATION",
          "Location of a bucket the GCS sink creates; default `gcp.location`."),
      key("sinks.gcs.emulator_host", "", "STORAGE_EMULATOR_HOST",
          "Cloud Storage emulator, e.g. http://localhost:9023."),
      key("sinks.firestore.emulator_host", "", "FIRESTORE_EMULATOR_HOST", "Firestore emulator, e.g. localhost:8080."),
      key("warehouse.enabled", "true", null, "Load the Cloud Storage objects into BigQuery (event_store gcs)."),
      key("warehouse.loader_interval", "300", null, "Seconds between BigQuery loads."),
      key("warehouse.dataset", "", "GCP_BIGQUERY_DATASET", "BigQuery dataset (with the warehouse)."),
      key("warehouse.table", "", "GCP_BIGQUERY_TABLE", "BigQuery table (with the warehouse)."),
      key("warehouse.location", "", "GCP_BIGQUERY_LOCATION",
          "Location of a dataset the loader creates (its jobs run where the dataset is); default `gcp.location`."),
      key("warehouse.emulator_host", "", "BIGQUERY_EMULATOR_HOST", "BigQuery emulator."),
      key("warehouse.split_by_schema", "true", null,
          "Load each schema's events into a typed table of its own; `false`: everything into the raw table."),
      key("pubsub.role", "both", null,
          "`publisher` (collector host), `worker` (delivery host) or `both`."),
      key("pubsub.workers", "4", null, "Pull loops in a worker."),
      key("pubsub.topic", "eventkit-events", null, "Pub/Sub topic the log is published to."),
      key("pubsub.subscription", "eventkit-workers", null, "Subscription the workers share."),
      key("pubsub.emulator_host", "", "PUBSUB_EMULATOR_HOST", "Pub/Sub emulator."),
      key("pubsub.create_if_missing", "", null,
          "Create a missing topic and subscription (needs Pub/Sub Editor); default true with an emulator, else false."),
      key("kafka.bootstrap_servers", "", null,
          "Kafka (or Redpanda) brokers, `host:port,...`; required by queue.mode kafka."),
      key("kafka.role", "both", null, "`publisher` (collector host), `worker` (delivery host) or `both`."),
      key("kafka.topic", "eventkit-events", null, "Topic the log is published to."),
      key("kafka.group", "eventkit-workers", null, "Consumer group the workers share."),
      key("kafka.workers", "4", null, "Consumer loops in a worker."),
      key("schemas.dir", "", "EVENTKIT_SCHEMA_DIR",
          "A directory of schemas (Iglu layout); default `<data_dir>/schemas`."),
      key("schemas.iglu_url", "", "EVENTKIT_IGLU_URL", "An Iglu-compatible schema server (http or https)."),
      key("inputs.segment.enabled", "true", null, "Segment's tracking API (`/v1/*`, `/collect`)."),
      key("inputs.segment.collect_path", "/collect", null, "Path of the Segment-shaped collect route."),
      key("inputs.snowplow.enabled", "true", null, "Snowplow trackers (`/i`, `/com.snowplowanalytics.snowplow/tp2`)."),
      key("inputs.snowplow.cookie", "lax", "EVENTKIT_SNOWPLOW_COOKIE",
          "Network user id cookie: `lax` (plain http), `secure` (behind TLS) or `off`."),
      key("inputs.selfdescribing.enabled", "true", null, "Self-describing JSON (`/sd`)."),
      key("inputs.cloudevents.enabled", "true", null, "CloudEvents (`/cloudevents`)."),
      key("inputs.webhook.enabled", "true", null, "Webhooks (`/webhook/{name}`)."),
      key("inputs.pixel.enabled", "true", null, "Tracking pixels (`/pixel/{name}`)."),
      key("inputs.pixel.redirect_hosts", "", "EVENTKIT_PIXEL_REDIRECT_HOSTS",
          "Hosts (`shop.example`, `*.shop.example`) that pixels may redirect to."),
      secret("security.write_keys", "EVENTKIT_WRITE_KEYS",
          "Write keys, `;`-separated entries `KEY [name=LABEL] [paths=/v1/*,…] [streams=web,…]` (`KEY` or "
              + "`sha256:<hex>`); none: no key required. Secret."),
      key("security.write_keys_file", "", "EVENTKIT_WRITE_KEYS_FILE",
          "A file of the same entries, one a line, `#` comments (may be combined with write_keys)."),
      key("security.open_paths", "", "EVENTKIT_OPEN_PATHS",
          "Paths that need no key even when keys are set, e.g. `/i,/pixel/*`."),
      key("security.query_key_paths", "", "EVENTKIT_QUERY_KEY_PATHS",
          "Paths that also take the key as a query parameter (trackers that cannot set headers)."),
      key("security.query_key_parameter", "", "EVENTKIT_QUERY_KEY_PARAMETER",
          "That query parameter (default `writeKey`); removed before anything is stored."),
      secret("security.admin_key", "EVENTKIT_ADMIN_KEY",
          "Key(s) required (`Authorization: Bearer`) on /health, /schemas and the metrics; none: open. Secret."),
      key("security.cors_origins", "", "EVENTKIT_CORS_ORIGINS",
          "Unset: any origin (never `null`); `none`; or a list: `https://shop.example`, `https://*.shop.example`, `*`."),
      key("security.rate_limit.ip_per_second", "0", "EVENTKIT_RATE_LIMIT_IP_PER_SECOND",
          "Requests a second per client address (IPv6: per /64); 0: no limit."),
      key("security.rate_limit.ip_burst", "", "EVENTKIT_RATE_LIMIT_IP_BURST",
          "Burst per client; default twice the rate."),
      key("security.rate_limit.key_per_second", "0", "EVENTKIT_RATE_LIMIT_KEY_PER_SECOND",
          "Requests per second per write key; 0: no limit."),
      key("security.rate_limit.key_burst", "", "EVENTKIT_RATE_LIMIT_KEY_BURST",
          "Burst per key; default twice the rate."),
      key("security.rate_limit.max_clients", "100000", "EVENTKIT_RATE_LIMIT_MAX_CLIENTS",
          "Buckets kept per kind of limit (least recently seen forgotten first)."),
      key("security.trusted_proxies", "", "EVENTKIT_TRUSTED_PROXIES",
          "Proxy addresses or CIDR ranges whose forwarded header names the client."),
      key("security.forwarded_header", "", "EVENTKIT_FORWARDED_HEADER",
          "The header those proxies set: `X-Forwarded-For` (default), `Forwarded` or e.g. `X-Real-IP`."),
      key("security.trust_forwarded_headers", "false", "EVENTKIT_TRUST_FORWARDED_HEADERS",
          "Trust forwarded headers from every loopback and private address (prefer trusted_proxies)."),
      key("security.anonymize_ip", "false", "EVENTKIT_ANONYMIZE_IP", "Truncate client addresses (IPv4 /24, IPv6 /48)."),
      key("security.keep_headers", "", "EVENTKIT_KEEP_HEADERS",
          "The request headers inputs may keep, e.g. `User-Agent,Referer,ce-*`; default all but credentials."),
      key("log.level", "INFO", null, "`TRACE`, `DEBUG`, `INFO`, `WARN` (or `WARNING`) or `ERROR`."),
      key("log.json", "false", "EVENTKIT_JSON_LOGS", "One JSON object a line instead of the readable layout."),
      key("log.access", "true", "EVENTKIT_ACCESS_LOG",
          "One line per request on `dev.eventkit.access` (method, route, status, events, bytes, duration)."),
      key("metrics.path", "/metrics", null, "Path of the Prometheus scrape; `off` serves none."),
      key("tools.test_page", "on", "EVENTKIT_TEST_PAGE",
          "The test page at `/`: `on` (loopback clients only), `any` (every client sees the latest events) or `off`."),
      key("tools.api_docs", "on", "EVENTKIT_API_DOCS",
          "The OpenAPI document at `/openapi.json` and Swagger UI at `/docs`."),
      key("tools.debug_echo", "off", "EVENTKIT_DEBUG_ECHO",
          "Every input route again under `/debug/echo`, answering with the envelopes without storing them."));

  private static final Map<String, ConfigKey> BY_PATH = index();

  private ConfigKeys() {}

  /** Every key, in documentation order. */
  public static List<ConfigKey> all() {
    return ALL;
  }

  /** The key at {@code path}, or null. */
  public static ConfigKey byPath(String path) {
    return BY_PATH.get(path);
  }

  /**
   * The README's configuration table (Markdown): key, variable and the older names it answers to, default, meaning.
   * A test keeps the README's copy equal to it.
   */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder("| Key | Variable (also read) | Default | Meaning |\n|---|---|---|---|\n");
    for (ConfigKey k : ALL) {
      StringBuilder variables = new StringBuilder("`" + k.envName() + "`");
      for (String alias : k.aliases()) {
        variables.append(", `").append(alias).append('`');
      }
      if (k.secret() && !BY_PATH.containsKey(k.path() + "_file")) {
        variables.append(", `").append(k.envName()).append("_FILE`");
        for (String alias : k.aliases()) {
          variables.append(", `").append(alias).append("_FILE`");
        }
      }
      out.append("| `").append(k.path()).append("` | ").append(variables).append(" | ")
          .append(k.defaultValue().isEmpty() ? "" : "`" + k.defaultValue() + "`").append(" | ")
          .append(k.description().replace("|", "\\|")).append(" |\n");
    }
    return out.toString();
  }

  private static Map<String, ConfigKey> index() {
    Map<String, ConfigKey> out = new LinkedHashMap<>();
    for (ConfigKey k : ALL) {
      out.put(k.path(), k);
    }
    return Map.copyOf(out);
  }

  private static ConfigKey key(String path, String fallback, String alias, String description) {
    return new ConfigKey(path, fallback, false, alias == null ? List.of() : List.of(alias), description);
  }

  private static ConfigKey secret(String path, String alias, String description) {
    return new ConfigKey(path, "", true, List.of(alias), description);
  }
}
