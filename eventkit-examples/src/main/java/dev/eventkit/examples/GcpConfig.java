package dev.eventkit.examples;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The example collector's Google Cloud modes, read from the variables the Python collector uses. Immutable;
 * {@link #fromEnvironment} throws {@link IllegalArgumentException} naming the variable that is missing or wrong.
 *
 * @param eventStore {@code EVENTKIT_EVENT_STORE}: {@code file} (default; NDJSON under the data directory),
 *     {@code gcs} or {@code firestore}
 * @param queueMode {@code EVENTKIT_QUEUE_MODE}: {@code async} (default), {@code pubsub} or {@code kafka}
 *     (then see {@link KafkaConfig})
 * @param pubsubRole {@code EVENTKIT_PUBSUB_ROLE}: {@code both} (default), {@code publisher} (a collector host that
 *     only publishes its log) or {@code worker} (a host that only delivers)
 * @param pubsubWorkers {@code EVENTKIT_PUBSUB_WORKERS}: pull loops in this process, default 4
 * @param pubsubTopic {@code EVENTKIT_PUBSUB_TOPIC}, default {@code eventkit-events}
 * @param pubsubSubscription {@code EVENTKIT_PUBSUB_SUBSCRIPTION}, default {@code eventkit-workers}
 * @param warehouseEnabled {@code EVENTKIT_WAREHOUSE_ENABLED}: load the GCS objects into BigQuery (gcs store only;
 *     default true with it)
 * @param warehouseInterval {@code EVENTKIT_WAREHOUSE_LOADER_INTERVAL} seconds, default 300
 * @param projectId {@code EVENTKIT_GCP_PROJECT_ID}; required by every Google Cloud mode
 * @param bucket {@code EVENTKIT_SINKS_GCS_BUCKET}; required with the gcs store
 * @param dataset {@code EVENTKIT_WAREHOUSE_DATASET}; required with the warehouse
 * @param table {@code EVENTKIT_WAREHOUSE_TABLE}; required with the warehouse
 * @param storageEmulator {@code EVENTKIT_SINKS_GCS_EMULATOR_HOST}, or null for the real service
 * @param bigqueryEmulator {@code EVENTKIT_WAREHOUSE_EMULATOR_HOST}, or null
 * @param pubsubEmulator {@code EVENTKIT_PUBSUB_EMULATOR_HOST}, or null
 * @param firestoreEmulator {@code EVENTKIT_SINKS_FIRESTORE_EMULATOR_HOST}, or null
 * @param warehouseSplitBySchema {@code EVENTKIT_WAREHOUSE_SPLIT_BY_SCHEMA}: the loader splits events into a typed
 *     table per schema (default true); false loads everything into the raw table
 * @param gcsLocation {@code EVENTKIT_SINKS_GCS_LOCATION}, else {@code EVENTKIT_GCP_LOCATION}: where a bucket the
 *     GCS sink creates goes; null for the service default
 * @param bigqueryLocation {@code EVENTKIT_WAREHOUSE_LOCATION}, else {@code EVENTKIT_GCP_LOCATION}: where a dataset
 *     the loader creates goes; null for the service default
 * @param pubsubCreateIfMissing {@code EVENTKIT_PUBSUB_CREATE_IF_MISSING}: whether the queue creates a missing topic
 *     and subscription; null for the queue's default (only with an emulator)
 */
public record GcpConfig(String eventStore, String queueMode, String pubsubRole, int pubsubWorkers, String pubsubTopic,
    String pubsubSubscription, boolean warehouseEnabled, Duration warehouseInterval, String projectId, String bucket,
    String dataset, String table, String storageEmulator, String bigqueryEmulator, String pubsubEmulator,
    String firestoreEmulator, boolean warehouseSplitBySchema, String gcsLocation, String bigqueryLocation,
    Boolean pubsubCreateIfMissing) {

  public static GcpConfig fromEnvironment(Map<String, String> env) {
    String store = oneOf(env, "EVENTKIT_EVENT_STORE", "file", "file", "gcs", "firestore");
    String queue = oneOf(env, "EVENTKIT_QUEUE_MODE", "async", "async", "pubsub", "kafka");
    String role = oneOf(env, "EVENTKIT_PUBSUB_ROLE", "both", "both", "publisher", "worker");
    boolean warehouse = store.equals("gcs")
        && Boolean.parseBoolean(env.getOrDefault("EVENTKIT_WAREHOUSE_ENABLED", "true"));
    boolean cloud = !store.equals("file") || queue.equals("pubsub");
    String project = env.get("EVENTKIT_GCP_PROJECT_ID");
    if (cloud && blank(project)) {
      throw new IllegalArgumentException("EVENTKIT_GCP_PROJECT_ID is required with EVENTKIT_EVENT_STORE=" + store
          + " and EVENTKIT_QUEUE_MODE=" + queue);
    }
    String bucket = env.get("EVENTKIT_SINKS_GCS_BUCKET");
    if (store.equals("gcs") && blank(bucket)) {
      throw new IllegalArgumentException("EVENTKIT_SINKS_GCS_BUCKET is required with EVENTKIT_EVENT_STORE=gcs");
    }
    String dataset = env.get("EVENTKIT_WAREHOUSE_DATASET");
    String table = env.get("EVENTKIT_WAREHOUSE_TABLE");
    if (warehouse && (blank(dataset) || blank(table))) {
      throw new IllegalArgumentException(
          "EVENTKIT_WAREHOUSE_DATASET and EVENTKIT_WAREHOUSE_TABLE are required with the "
              + "warehouse loader (EVENTKIT_WAREHOUSE_ENABLED=false turns it off)");
    }
    return new GcpConfig(store, queue, role, (int) positive(env, "EVENTKIT_PUBSUB_WORKERS", 4),
        env.getOrDefault("EVENTKIT_PUBSUB_TOPIC", "eventkit-events"),
        env.getOrDefault("EVENTKIT_PUBSUB_SUBSCRIPTION", "eventkit-workers"), warehouse,
        Duration.ofSeconds(positive(env, "EVENTKIT_WAREHOUSE_LOADER_INTERVAL", 300)), project, bucket, dataset,
        table, emptyToNull(env.get("EVENTKIT_SINKS_GCS_EMULATOR_HOST")), emptyToNull(env.get(
            "EVENTKIT_WAREHOUSE_EMULATOR_HOST")),
        emptyToNull(env.get("EVENTKIT_PUBSUB_EMULATOR_HOST")), emptyToNull(env.get(
            "EVENTKIT_SINKS_FIRESTORE_EMULATOR_HOST")),
        Boolean.parseBoolean(env.getOrDefault("EVENTKIT_WAREHOUSE_SPLIT_BY_SCHEMA", "true").trim()),
        location(env, "EVENTKIT_SINKS_GCS_LOCATION"), location(env, "EVENTKIT_WAREHOUSE_LOCATION"),
        optionalFlag(env, "EVENTKIT_PUBSUB_CREATE_IF_MISSING"));
  }

  /** A service's location variable, else the common {@code EVENTKIT_GCP_LOCATION}, else null. */
  private static String location(Map<String, String> env, String name) {
    String own = emptyToNull(env.get(name));
    return own != null ? own : emptyToNull(env.get("EVENTKIT_GCP_LOCATION"));
  }

  private static Boolean optionalFlag(Map<String, String> env, String name) {
    String raw = emptyToNull(env.get(name));
    if (raw == null) {
      return null;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + " must be true or false");
    };
  }

  /** Whether this host runs sinks at all (a Pub/Sub publisher host only publishes its log). */
  public boolean deliversHere() {
    return !(queueMode.equals("pubsub") && pubsubRole.equals("publisher"));
  }

  private static String oneOf(Map<String, String> env, String name, String fallback, String... allowed) {
    String v = env.getOrDefault(name, fallback).trim().toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new IllegalArgumentException(name + " must be one of " + String.join(", ", allowed));
  }

  private static long positive(Map<String, String> env, String name, long fallback) {
    String raw = env.get(name);
    if (blank(raw)) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw.trim());
      if (v < 1) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String emptyToNull(String s) {
    return blank(s) ? null : s.trim();
  }
}
