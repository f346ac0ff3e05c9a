package dev.eventkit.snowplow;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.schema.Validator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only stand-in for the schema registry: checks an envelope's payload against the JSON Schema its
 * {@code schema()} names and each context's data against its own, from a fixed map. Just enough to prove that a
 * Snowplow envelope carries what a validator needs; the real registry lives elsewhere.
 */
final class SchemaMapValidator implements Validator {

  private final Map<String, JsonSchema> schemas = new HashMap<>();

  /** A validator knowing the bundled schemas of the built-in event types plus {@code extra} (URI → schema text). */
  static SchemaMapValidator withBundledAnd(Map<String, String> extra) {
    SchemaMapValidator v = new SchemaMapValidator();
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    SnowplowSchemas.bundled().forEach((uri, text) -> v.schemas.put(uri, factory.getSchema(text)));
    extra.forEach((uri, text) -> v.schemas.put(uri, factory.getSchema(text)));
    return v;
  }

  @Override
  public Validation validate(Envelope envelope) {
    List<Violation> violations = new ArrayList<>();
    if (envelope.schema() != null) {
      Validation v = check(envelope.schema(), envelope.payload(), "", violations);
      if (v != null) {
        return v;
      }
    }
    for (int i = 0; i < envelope.contexts().size(); i++) {
      Entity c = envelope.contexts().get(i);
      Validation v = check(c.schema(), c.data(), "/contexts/" + i, violations);
      if (v != null) {
        return v;
      }
    }
    return violations.isEmpty() ? Validation.valid()
        : Validation.invalid(ValidationError.PAYLOAD_INVALID, violations.get(0).message(), violations);
  }

  private Validation check(String uri, JsonNode data, String prefix, List<Violation> violations) {
    JsonSchema schema = schemas.get(uri);
    if (schema == null) {
      return Validation.invalid(ValidationError.SCHEMA_NOT_FOUND, "unknown schema " + uri,
          List.of(new Violation(prefix, "schema", "no schema for " + uri)));
    }
    for (ValidationMessage m : schema.validate(data)) {
      String at = m.getInstanceLocation().toString().replaceFirst("^\\$", "").replace('.', '/');
      violations.add(new Violation(prefix + at, m.getType(), m.getMessage()));
    }
    return null;
  }
}
