package dev.eventkit.gcp.bigquery.tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.StandardSQLTypeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a JSON Schema (an object schema with {@code properties}) to BigQuery columns:
 *
 * <table>
 *   <caption>JSON Schema to BigQuery</caption>
 *   <tr><th>JSON Schema</th><th>BigQuery</th></tr>
 *   <tr><td>{@code string}</td><td>STRING</td></tr>
 *   <tr><td>{@code string} with {@code format: date-time}</td><td>TIMESTAMP</td></tr>
 *   <tr><td>{@code string} with {@code format: date}</td><td>DATE</td></tr>
 *   <tr><td>{@code integer}</td><td>INT64</td></tr>
 *   <tr><td>{@code number}, {@code ["integer", "number"]}</td><td>FLOAT64</td></tr>
 *   <tr><td>{@code boolean}</td><td>BOOL</td></tr>
 *   <tr><td>{@code object} with {@code properties}</td><td>RECORD of the properties</td></tr>
 *   <tr><td>{@code array} with one {@code items} schema</td><td>REPEATED of the item's type</td></tr>
 *   <tr><td>{@code enum}/{@code const} without {@code type}</td><td>STRING / INT64 / FLOAT64 / BOOL when all values
 *       share that type</td></tr>
 *   <tr><td>anything else: several types, {@code oneOf}/{@code anyOf}/{@code allOf}, objects without properties,
 *       arrays of arrays, arrays of nullable items, tuples, remote {@code $ref}s, records deeper than 15 levels
 *       </td><td>STRING holding the value's JSON text</td></tr>
 * </table>
 *
 * <p>Mode: REQUIRED when the property is in {@code required} and its type does not admit {@code null}; REPEATED for
 * arrays; NULLABLE otherwise. Descriptions are carried over (cut to BigQuery's 1,024 characters). Local
 * {@code $ref}s ({@code #/definitions/x}) are followed. Properties whose column names collide with an earlier one
 * are left out (their values land in the row's {@code unmapped} column); top-level properties named like a
 * reserved column get the prefix {@code payload_}.
 *
 * <p>Stateless and thread-safe.
 */
public final class SchemaMapping {

  /** BigQuery allows 15 levels of nested RECORDs. */
  static final int MAX_DEPTH = 15;
  private static final int MAX_DESCRIPTION = 1024;
  private static final int MAX_REF_HOPS = 16;

  private SchemaMapping() {}

  /**
   * Maps a schema document.
   *
   * @param uri the schema's URI, kept in the result
   * @param schema the JSON Schema document
   * @param reserved column names the table already uses for other things
   * @throws UnmappableException when the schema is not an object schema with at least one property
   */
  public static MappedSchema map(String uri, JsonNode schema, Set<String> reserved) throws UnmappableException {
    JsonNode root = resolve(schema, schema);
    if (root == null || !types(root).contains("object") || !root.path("properties").isObject()
        || root.path("properties").isEmpty()) {
      throw new UnmappableException("the schema does not describe an object with properties");
    }
    List<ColumnMapping> columns = properties(schema, root, 1, reserved);
    if (columns.isEmpty()) {
      throw new UnmappableException("no property of the schema can be a column");
    }
    return new MappedSchema(uri, columns);
  }

  private static List<ColumnMapping> properties(JsonNode doc, JsonNode object, int depth, Set<String> reserved) {
    Set<String> required = new HashSet<>();
    object.path("required").forEach(r -> required.add(r.asText()));
    Set<String> used = new HashSet<>();
    List<ColumnMapping> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> p : object.path("properties").properties()) {
      String column = TableNames.column(p.getKey());
      if (reserved.contains(column) || column.startsWith("contexts_")) {
        column = "payload_" + column;
      }
      if (!used.add(column)) {
        continue;
      }
      out.add(property(doc, p.getKey(), column, p.getValue(), required.contains(p.getKey()), depth));
    }
    return out;
  }

  private static ColumnMapping property(JsonNode doc, String property, String column, JsonNode schema,
      boolean required, int depth) {
    JsonNode s = resolve(doc, schema);
    String description = s == null ? null : description(s);
    if (s == null) {
      return json(property, column, false, description);
    }
    Set<String> types = types(s);
    boolean admitsNull = types.remove("null");
    boolean nullable = !required || admitsNull;
    if (types.equals(Set.of("integer", "number"))) {
      types = Set.of("number");
    }
    if (types.size() != 1) {
      return json(property, column, !nullable, description);
    }
    String type = types.iterator().next();
    Field.Mode mode = nullable ? Field.Mode.NULLABLE : Field.Mode.REQUIRED;
    switch (type) {
      case "object": {
        if (depth >= MAX_DEPTH || !s.path("properties").isObject() || s.path("properties").isEmpty()) {
          return json(property, column, !nullable, description);
        }
        List<ColumnMapping> children = properties(doc, s, depth + 1, Set.of());
        if (children.isEmpty()) {
          return json(property, column, !nullable, description);
        }
        return new ColumnMapping(property, record(column, children, mode, description), ColumnMapping.Kind.RECORD,
            children);
      }
      case "array": {
        JsonNode items = resolve(doc, s.get("items"));
        if (items == null || !items.isObject()) {
          return json(property, column, !nullable, description);
        }
        ColumnMapping element = property(doc, property, column, items, true, depth);
        // BigQuery arrays hold neither NULLs nor arrays.
        if (element.kind() == ColumnMapping.Kind.JSON || element.repeated()
            || element.field().getMode() == Field.Mode.NULLABLE) {
          return json(property, column, !nullable, description);
        }
        Field f = element.field().toBuilder().setMode(Field.Mode.REPEATED).setDescription(description).build();
        return new ColumnMapping(property, f, element.kind(), element.children());
      }
      default: {
        StandardSQLTypeName t = scalar(type, s.path("format").asText(""));
        if (t == null) {
          return json(property, column, !nullable, description);
        }
        Field f = Field.newBuilder(column, t).setMode(mode).setDescription(description).build();
        return new ColumnMapping(property, f, ColumnMapping.Kind.VALUE, List.of());
      }
    }
  }

  private static StandardSQLTypeName scalar(String type, String format) {
    switch (type) {
      case "string":
        return "date-time".equals(format) ? StandardSQLTypeName.TIMESTAMP
            : "date".equals(format) ? StandardSQLTypeName.DATE : StandardSQLTypeName.STRING;
      case "integer":
        return StandardSQLTypeName.INT64;
      case "number":
        return StandardSQLTypeName.FLOAT64;
      case "boolean":
        return StandardSQLTypeName.BOOL;
      default:
        return null;
    }
  }

  private static Field record(String column, List<ColumnMapping> children, Field.Mode mode, String description) {
    List<Field> fields = new ArrayList<>(children.size());
    children.forEach(c -> fields.add(c.field()));
    return Field.newBuilder(column, StandardSQLTypeName.STRUCT, FieldList.of(fields)).setMode(mode)
        .setDescription(description).build();
  }

  private static ColumnMapping json(String property, String column, boolean required, String description) {
    Field f = Field.newBuilder(column, StandardSQLTypeName.STRING)
        .setMode(required ? Field.Mode.REQUIRED : Field.Mode.NULLABLE)
        .setDescription(description == null ? "JSON text" : description)
        .build();
    return new ColumnMapping(property, f, ColumnMapping.Kind.JSON, List.of());
  }

  /** The JSON types a schema admits: {@code type}, else inferred from {@code enum}/{@code const}. */
  private static Set<String> types(JsonNode s) {
    Set<String> out = new LinkedHashSet<>();
    JsonNode type = s.get("type");
    if (type != null && type.isTextual()) {
      out.add(type.asText());
    } else if (type != null && type.isArray()) {
      type.forEach(t -> out.add(t.asText()));
    } else if (s.has("enum") || s.has("const")) {
      if (s.has("const")) {
        out.add(typeOf(s.get("const")));
      }
      s.path("enum").forEach(v -> out.add(typeOf(v)));
      if (out.contains("integer") && out.contains("number")) {
        out.remove("integer");
      }
    } else {
      out.add("any");
    }
    if (out.contains("any") || s.has("oneOf") || s.has("anyOf") || s.has("allOf")) {
      // Composition: the value's shape is not one type; keep it as JSON text.
      out.add("any");
    }
    return out;
  }

  private static String typeOf(JsonNode v) {
    if (v.isTextual()) {
      return "string";
    }
    if (v.isIntegralNumber()) {
      return "integer";
    }
    if (v.isNumber()) {
      return "number";
    }
    if (v.isBoolean()) {
      return "boolean";
    }
    return v.isNull() ? "null" : "any";
  }

  /** Follows local {@code $ref}s; null for a remote or dangling one. */
  private static JsonNode resolve(JsonNode doc, JsonNode s) {
    JsonNode current = s;
    for (int hops = 0; current != null && current.isObject() && current.has("$ref"); hops++) {
      String ref = current.get("$ref").asText();
      if (hops >= MAX_REF_HOPS || !ref.startsWith("#")) {
        return null;
      }
      JsonNode target = ref.equals("#") ? doc : doc.at(ref.substring(1));
      current = target.isMissingNode() ? null : target;
    }
    return current;
  }

  private static String description(JsonNode s) {
    JsonNode d = s.get("description");
    if (d == null || !d.isTextual() || d.asText().isBlank()) {
      return null;
    }
    String text = d.asText();
    return text.length() > MAX_DESCRIPTION ? text.substring(0, MAX_DESCRIPTION) : text;
  }
}
