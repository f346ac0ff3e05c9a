package dev.eventkit.schema;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion.VersionFlag;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.ClasspathSchemaLoader;
import com.networknt.schema.resource.InputStreamSource;
import com.networknt.schema.resource.SchemaLoader;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns schema text into networknt {@link JsonSchema} objects, one factory per draft. The factories never reach
 * the network: {@code $ref}s to {@code iglu:} URIs and relative names go through the registry (the
 * {@code refResolver}), the drafts' own meta-schemas come from the validator's bundled resources, and every other
 * URI is refused, which makes the referring schema invalid. The factories keep no schema cache of their own, so
 * the registry's TTL governs every document.
 *
 * <p>Thread-safe.
 */
final class SchemaCompiler {

  /** Base URI scheme for relative schema names, so that their relative {@code $ref}s resolve among them. */
  static final String RELATIVE_SCHEME = "eventkit-schema";

  private final Map<SchemaDialect, JsonSchemaFactory> factories = new EnumMap<>(SchemaDialect.class);
  private final Map<SchemaDialect, JsonSchema> metaSchemas = new EnumMap<>(SchemaDialect.class);
  private final JsonSchemaFactory iglu;
  private final SchemaDialect defaultDialect;
  private final SchemaValidatorsConfig config;

  SchemaCompiler(SchemaDialect defaultDialect, Function<SchemaUri, Optional<String>> refResolver) {
    this.defaultDialect = defaultDialect;
    SchemaLoader registry = iri -> {
      String s = iri.toString();
      String name = s.startsWith(RELATIVE_SCHEME + ":/") ? s.substring(RELATIVE_SCHEME.length() + 2) : s;
      if (!SchemaUri.isWellFormed(name)) {
        return null;
      }
      Optional<String> text = refResolver.apply(SchemaUri.parse(name));
      return text.<InputStreamSource>map(t -> () -> new ByteArrayInputStream(t.getBytes(StandardCharsets.UTF_8)))
          .orElse(null);
    };
    SchemaLoader refuse = iri -> () -> {
      throw new IOException("schema reference not resolvable through the registry");
    };
    for (SchemaDialect d : SchemaDialect.values()) {
      factories.put(d, JsonSchemaFactory.getInstance(flag(d), b -> b
          .enableSchemaCache(false)
          .schemaLoaders(l -> l.values(list -> {
            list.clear();
            list.add(new ClasspathSchemaLoader());
            list.add(registry);
            list.add(refuse);
          }))));
    }
    JsonMetaSchema igluMeta = JsonMetaSchema.builder(SchemaDialect.IGLU_META_SCHEMA, JsonMetaSchema.getV4())
        .keyword(new NonValidationKeyword("self"))
        .build();
    this.iglu = JsonSchemaFactory.getInstance(VersionFlag.V4, b -> b
        .enableSchemaCache(false)
        .metaSchema(igluMeta)
        .defaultMetaSchemaIri(SchemaDialect.IGLU_META_SCHEMA)
        .schemaLoaders(l -> l.values(list -> {
          list.clear();
          list.add(new ClasspathSchemaLoader());
          list.add(registry);
          list.add(refuse);
        })));
    this.config = SchemaValidatorsConfig.builder()
        .pathType(PathType.JSON_POINTER)
        .formatAssertionsEnabled(true)
        .locale(Locale.ENGLISH)
        .build();
    // Each draft's meta-schema, from the validator's bundled copies, to refuse schemas that are not JSON Schema.
    for (SchemaDialect d : SchemaDialect.values()) {
      JsonSchema meta = factories.get(d).getSchema(SchemaLocation.of(d.metaSchema()), config);
      meta.initializeValidators();
      metaSchemas.put(d, meta);
    }
  }

  private static VersionFlag flag(SchemaDialect d) {
    switch (d) {
      case DRAFT_04:
        return VersionFlag.V4;
      case DRAFT_06:
        return VersionFlag.V6;
      case DRAFT_07:
        return VersionFlag.V7;
      case DRAFT_2019_09:
        return VersionFlag.V201909;
      default:
        return VersionFlag.V202012;
    }
  }

  /** A compiled schema and the draft it was compiled as. */
  record Compiled(JsonSchema schema, SchemaDialect dialect) {}

  Compiled compile(SchemaUri uri, String text) throws InvalidSchemaException {
    JsonNode node;
    try {
      node = Json.reader().readTree(text);
    } catch (JacksonException e) {
      throw new InvalidSchemaException("the schema document is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw new InvalidSchemaException("the schema document is not a JSON object");
    }
    ObjectNode schema = (ObjectNode) node;
    checkSelf(uri, schema);
    JsonNode declared = schema.get("$schema");
    SchemaDialect dialect = defaultDialect;
    JsonSchemaFactory factory;
    if (declared == null) {
      factory = factories.get(dialect);
    } else if (!declared.isTextual()) {
      throw new InvalidSchemaException("'$schema' must be a string");
    } else if (SchemaDialect.isIgluMetaSchema(declared.textValue())) {
      dialect = SchemaDialect.DRAFT_04;
      factory = iglu;
    } else {
      dialect = SchemaDialect.forMetaSchema(declared.textValue()).orElseThrow(() -> new InvalidSchemaException(
          "unsupported '$schema' (draft-04, -06, -07, 2019-09, 2020-12 or the Iglu meta-schema)"));
      factory = factories.get(dialect);
    }
    checkReferences(schema);
    Set<ValidationMessage> problems = metaSchemas.get(dialect).validate(schema);
    if (!problems.isEmpty()) {
      ValidationMessage first = problems.iterator().next();
      throw new InvalidSchemaException("the schema does not conform to " + dialect.name().toLowerCase(Locale.ROOT)
          + ": " + SchemaUri.abbreviate(first.getMessage()));
    }
    // The factory already speaks the chosen draft; without '$schema' it cannot be sent to fetch a meta-schema.
    schema.remove("$schema");
    String location = uri.kind() == SchemaUri.Kind.IGLU ? uri.toString() : RELATIVE_SCHEME + ":/" + uri.path();
    try {
      JsonSchema compiled = factory.getSchema(SchemaLocation.of(location), schema, config);
      compiled.initializeValidators();
      return new Compiled(compiled, dialect);
    } catch (RuntimeException e) {
      throw new InvalidSchemaException("the schema cannot be compiled: "
          + SchemaUri.abbreviate(String.valueOf(e.getMessage())));
    } catch (StackOverflowError e) {
      throw new InvalidSchemaException("the schema cannot be compiled: references recurse without end");
    }
  }

  /**
   * Refuses a schema whose references lead outside the registry (an {@code http:} URI, a file), naming the
   * reference, before the compiler would try to load it.
   */
  private static void checkReferences(JsonNode schema) throws InvalidSchemaException {
    java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>();
    todo.push(schema);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (n.isObject()) {
        for (String keyword : new String[] {"$ref", "$dynamicRef", "$recursiveRef"}) {
          JsonNode ref = n.get(keyword);
          if (ref != null && ref.isTextual() && !resolvable(ref.textValue())) {
            throw new InvalidSchemaException("the schema references " + SchemaUri.abbreviate(ref.textValue())
                + ", which is neither in the document nor a schema URI the registry resolves");
          }
        }
      }
      n.elements().forEachRemaining(todo::push);
    }
  }

  private static boolean resolvable(String ref) {
    int hash = ref.indexOf('#');
    String target = hash < 0 ? ref : ref.substring(0, hash);
    if (target.isEmpty() || SchemaUri.isWellFormed(target)) {
      return true;
    }
    for (SchemaDialect d : SchemaDialect.values()) {
      if (SchemaDialect.forMetaSchema(target).isPresent() || target.startsWith(d.metaSchema() + "/")) {
        return true;
      }
    }
    return false;
  }

  /** An Iglu schema's {@code self} block, when present, must name the URI it was fetched under. */
  private static void checkSelf(SchemaUri uri, ObjectNode schema) throws InvalidSchemaException {
    JsonNode self = schema.get("self");
    if (uri.kind() != SchemaUri.Kind.IGLU || self == null || !self.isObject()) {
      return;
    }
    String named = "iglu:" + self.path("vendor").asText() + "/" + self.path("name").asText() + "/"
        + self.path("format").asText() + "/" + self.path("version").asText();
    if (!named.equals(uri.toString())) {
      throw new InvalidSchemaException("the schema's self block names " + SchemaUri.abbreviate(named)
          + ", not " + uri);
    }
  }
}
