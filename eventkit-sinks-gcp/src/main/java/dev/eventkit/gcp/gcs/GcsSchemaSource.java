package dev.eventkit.gcp.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.eventkit.schema.SchemaSource;
import dev.eventkit.schema.SchemaUri;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Schemas in a Cloud Storage bucket, laid out like an Iglu static repository below a prefix: {@code
 * iglu:com.acme/checkout/jsonschema/1-0-0} is the object {@code <prefix>com.acme/checkout/jsonschema/1-0-0} (or the
 * same with {@code .json}); a relative name is the object of that name below the prefix.
 *
 * <p>Immutable and thread-safe (the Storage client is). Reads on every fetch; the registry caches. Failure modes: a
 * missing object is not found; any other Storage error (down, throttled, forbidden) is an {@link IOException}, which
 * the registry records in its health while it answers from its cache. Objects over {@link #MAX_SCHEMA_BYTES} or not
 * UTF-8 are refused as errors. A lookup that misses the registry's cache runs on a request thread, so give the
 * {@code Storage} client short retry settings (a few seconds in total) rather than its long defaults.
 */
public final class GcsSchemaSource implements SchemaSource {

  /** The largest schema object read. */
  public static final long MAX_SCHEMA_BYTES = 1024 * 1024;

  private final Storage storage;
  private final String bucket;
  private final String prefix;

  private GcsSchemaSource(Storage storage, String bucket, String prefix) {
    this.storage = storage;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  /**
   * A source reading {@code gs://bucket/prefix...}; {@code prefix} is empty or ends with '/', such as
   * {@code schemas/}.
   */
  public static GcsSchemaSource of(Storage storage, String bucket, String prefix) {
    Objects.requireNonNull(storage, "storage");
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("bucket is required");
    }
    if (prefix == null || !(prefix.isEmpty() || prefix.endsWith("/")) || prefix.startsWith("/")) {
      throw new IllegalArgumentException("prefix is empty or ends with '/', and does not start with '/'");
    }
    return new GcsSchemaSource(storage, bucket, prefix);
  }

  @Override
  public String name() {
    return "gcs:" + bucket + "/" + prefix;
  }

  @Override
  public Optional<String> fetch(SchemaUri uri) throws IOException {
    Optional<String> text = read(prefix + uri.path());
    if (text.isEmpty() && uri.kind() == SchemaUri.Kind.IGLU) {
      text = read(prefix + uri.path() + ".json");
    }
    return text;
  }

  private Optional<String> read(String object) throws IOException {
    try {
      Blob blob = storage.get(BlobId.of(bucket, object));
      if (blob == null) {
        return Optional.empty();
      }
      if (blob.getSize() != null && blob.getSize() > MAX_SCHEMA_BYTES) {
        throw new IOException("schema object is larger than " + MAX_SCHEMA_BYTES + " bytes");
      }
      byte[] content = blob.getContent();
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(content)).toString());
    } catch (CharacterCodingException e) {
      throw new IOException("schema object is not UTF-8", e);
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw new IOException("Cloud Storage answered " + e.getCode() + " for a schema object", e);
    } catch (RuntimeException e) {
      // The client wraps transport failures (connection refused, timeouts) in unchecked exceptions of its own.
      throw new IOException("Cloud Storage is unreachable: " + e.getClass().getSimpleName(), e);
    }
  }

  @Override
  public List<SchemaUri> list() throws IOException {
    List<SchemaUri> out = new ArrayList<>();
    try {
      Page<Blob> page = storage.list(bucket, Storage.BlobListOption.prefix(prefix));
      for (Blob b : page.iterateAll()) {
        SchemaUri.fromPath(b.getName().substring(prefix.length())).ifPresent(out::add);
      }
    } catch (RuntimeException e) {
      throw new IOException("cannot list schemas in Cloud Storage: " + e.getClass().getSimpleName(), e);
    }
    return out;
  }

  @Override
  public String toString() {
    return name();
  }
}
