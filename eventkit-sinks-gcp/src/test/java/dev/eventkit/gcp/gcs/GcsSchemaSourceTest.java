package dev.eventkit.gcp.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaUri;
import dev.eventkit.schema.SchemaValidator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Schemas from a bucket on fake-gcs-server, through the registry and the validator. */
class GcsSchemaSourceTest {

  private static Storage storage;

  @BeforeAll
  static void startServer() {
    TestServers.start("gcs");
    storage = StorageOptions.newBuilder().setHost(TestServers.get("STORAGE_EMULATOR_HOST"))
        .setProjectId(TestServers.projectId()).setCredentials(NoCredentials.getInstance())
        .setRetrySettings(RetrySettings.newBuilder().setMaxAttempts(2).setTotalTimeout(
            org.threeten.bp.Duration.ofSeconds(3)).build())
        .build().getService();
  }

  private static String bucketWithSchemas() {
    String bucket = "schemas-" + UUID.randomUUID().toString().substring(0, 8);
    storage.create(BucketInfo.of(bucket));
    put(bucket, "repo/com.acme/checkout/jsonschema/1-0-0", "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
        + "\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"number\"}},\"required\":[\"total\"]}");
    put(bucket, "repo/com.acme/cart/jsonschema/1-0-0.json", "{\"type\":\"object\"}");
    put(bucket, "repo/README.txt", "not a schema name");
    put(bucket, "elsewhere/com.acme/other/jsonschema/1-0-0", "{}");
    return bucket;
  }

  private static void put(String bucket, String name, String text) {
    storage.create(BlobInfo.newBuilder(BlobId.of(bucket, name)).setContentType("application/json").build(),
        text.getBytes(StandardCharsets.UTF_8));
  }

  private static Envelope event(String schema, String payload) {
    return Envelope.builder().protocol("selfdescribing").schema(schema).payloadJson(payload).build();
  }

  @Test
  void schemasInABucketValidateEventsAndAreListed() throws Exception {
    String bucket = bucketWithSchemas();
    GcsSchemaSource source = GcsSchemaSource.of(storage, bucket, "repo/");
    SchemaValidator validator = SchemaValidator.create(SchemaRegistry.builder().source(source).build());

    assertThat(validator.validate(event("iglu:com.acme/checkout/jsonschema/1-0-0", "{\"total\":9.5}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation bad = validator.validate(event("iglu:com.acme/checkout/jsonschema/1-0-0", "{\"total\":\"x\"}"));
    assertThat(bad.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(validator.validate(event("iglu:com.acme/cart/jsonschema/1-0-0", "{}")).status())
        .isEqualTo(Validation.Status.VALID);
    assertThat(validator.validate(event("iglu:com.acme/other/jsonschema/1-0-0", "{}")).error())
        .isEqualTo(ValidationError.SCHEMA_NOT_FOUND);

    assertThat(source.list()).extracting(SchemaUri::toString).containsExactlyInAnyOrder(
        "iglu:com.acme/checkout/jsonschema/1-0-0", "iglu:com.acme/cart/jsonschema/1-0-0");
    assertThat(source.name()).isEqualTo("gcs:" + bucket + "/repo/");
  }

  @Test
  void aStorageOutageIsReportedAndCachedSchemasKeepValidating() throws Exception {
    String bucket = bucketWithSchemas();
    SchemaRegistry registry = SchemaRegistry.builder().source(GcsSchemaSource.of(storage, bucket, "repo/"))
        .cacheTtl(Duration.ofHours(1)).build();
    SchemaValidator validator = SchemaValidator.create(registry);
    assertThat(validator.validate(event("iglu:com.acme/checkout/jsonschema/1-0-0", "{\"total\":1}")).status())
        .isEqualTo(Validation.Status.VALID);
    TestServers.stop("gcs");
    try {
      assertThat(validator.validate(event("iglu:com.acme/checkout/jsonschema/1-0-0", "{\"total\":2}")).status())
          .isEqualTo(Validation.Status.VALID);
      assertThat(validator.validate(event("iglu:com.acme/unknown/jsonschema/1-0-0", "{}")).error())
          .isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
      assertThat(registry.health().healthy()).isFalse();
    } finally {
      TestServers.start("gcs");
    }
  }
}
