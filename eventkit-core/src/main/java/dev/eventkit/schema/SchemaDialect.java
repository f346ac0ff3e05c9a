package dev.eventkit.schema;

import java.util.Optional;

/**
 * The JSON Schema drafts the registry compiles, chosen by a schema's {@code $schema}. Iglu self-describing schemas
 * ({@code $schema} naming the Iglu meta-schema) are {@link #DRAFT_04} with their {@code self} block accepted.
 */
public enum SchemaDialect {
  DRAFT_04("http://json-schema.org/draft-04/schema"),
  DRAFT_06("http://json-schema.org/draft-06/schema"),
  DRAFT_07("http://json-schema.org/draft-07/schema"),
  DRAFT_2019_09("https://json-schema.org/draft/2019-09/schema"),
  DRAFT_2020_12("https://json-schema.org/draft/2020-12/schema");

  /** The Iglu meta-schema that self-describing schemas name in {@code $schema}, without its trailing '#'. */
  static final String IGLU_META_SCHEMA =
      "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0";

  private final String metaSchema;

  SchemaDialect(String metaSchema) {
    this.metaSchema = metaSchema;
  }

  /** The meta-schema URI that selects this dialect, without the trailing '#'. */
  public String metaSchema() {
    return metaSchema;
  }

  /**
   * The dialect a {@code $schema} value selects, ignoring a trailing '#' and http/https; empty for any other value
   * (which the registry refuses rather than fetching).
   */
  public static Optional<SchemaDialect> forMetaSchema(String value) {
    String v = normalize(value);
    if (v.equals(normalize(IGLU_META_SCHEMA))) {
      return Optional.of(DRAFT_04);
    }
    for (SchemaDialect d : values()) {
      if (normalize(d.metaSchema).equals(v)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  static boolean isIgluMetaSchema(String value) {
    return normalize(value).equals(normalize(IGLU_META_SCHEMA));
  }

  private static String normalize(String value) {
    String v = value.trim();
    while (v.endsWith("#")) {
      v = v.substring(0, v.length() - 1);
    }
    return v.startsWith("https://") ? "http://" + v.substring(8) : v;
  }
}
