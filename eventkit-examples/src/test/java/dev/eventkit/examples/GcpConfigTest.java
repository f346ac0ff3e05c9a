package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Google Cloud settings the sinks take beyond the Python collector's: locations (one for all services, or per
 * service) and whether the Pub/Sub queue creates its topic, read from the variables and their older names.
 */
class GcpConfigTest {

  private static final Map<String, String> GCS = Map.of("GCP_PROJECT_ID", "p", "EVENTKIT_EVENT_STORE", "gcs",
      "GCP_GCS_BUCKET", "b", "GCP_BIGQUERY_DATASET", "d", "GCP_BIGQUERY_TABLE", "t");

  private static GcpConfig gcp(Map<String, String> env, String... more) {
    Map<String, String> all = new java.util.HashMap<>(env);
    for (int i = 0; i < more.length; i += 2) {
      all.put(more[i], more[i + 1]);
    }
    return CollectorConfig.fromEnvironment(all).gcp();
  }

  @Test
  void oneLocationForEveryServiceUnlessAServiceHasItsOwn() {
    assertThat(gcp(GCS).gcsLocation()).isNull();
    assertThat(gcp(GCS).bigqueryLocation()).isNull();
    GcpConfig common = gcp(GCS, "GCP_LOCATION", "EU");
    assertThat(common.gcsLocation()).isEqualTo("EU");
    assertThat(common.bigqueryLocation()).isEqualTo("EU");
    GcpConfig own = gcp(GCS, "GCP_LOCATION", "EU", "GCP_GCS_LOCATION", "europe-west1", "GCP_BIGQUERY_LOCATION",
        "europe-west4");
    assertThat(own.gcsLocation()).isEqualTo("europe-west1");
    assertThat(own.bigqueryLocation()).isEqualTo("europe-west4");
    assertThat(gcp(GCS, "EVENTKIT_WAREHOUSE_LOCATION", "asia-northeast1").bigqueryLocation())
        .isEqualTo("asia-northeast1");
  }

  @Test
  void pubSubCreatesTopicsOnlyWhenAskedOrWithTheEmulator() {
    Map<String, String> pubsub = Map.of("GCP_PROJECT_ID", "p", "EVENTKIT_QUEUE_MODE", "pubsub");
    assertThat(gcp(pubsub).pubsubCreateIfMissing()).as("the queue's default: only with an emulator").isNull();
    assertThat(gcp(pubsub, "EVENTKIT_PUBSUB_CREATE_IF_MISSING", "true").pubsubCreateIfMissing()).isTrue();
    assertThat(gcp(pubsub, "EVENTKIT_PUBSUB_CREATE_IF_MISSING", "false").pubsubCreateIfMissing()).isFalse();
    assertThatThrownBy(() -> gcp(pubsub, "EVENTKIT_PUBSUB_CREATE_IF_MISSING", "yes"))
        .hasMessageContaining("EVENTKIT_PUBSUB_CREATE_IF_MISSING");
  }

  @Test
  void theFlushIntervalIsTheCloudStorageSinksLinger() {
    assertThat(CollectorConfig.fromEnvironment(Map.of("EVENTKIT_EVENTLOADER_FLUSH_INTERVAL", "2.5"))
        .flushInterval()).isEqualTo(Duration.ofMillis(2500));
  }
}
