package dev.eventkit.gcp.bigquery.tables;

import com.google.cloud.bigquery.Field;
import java.util.List;
import java.util.Objects;

/**
 * How one JSON property becomes one BigQuery column: the property name, the column ({@link Field}: name, type,
 * mode, description, sub-fields) and how values are converted. Immutable and thread-safe.
 *
 * @param property the JSON property name
 * @param field the BigQuery column
 * @param kind how a value is converted: as a typed value, as a record of {@code children}, or as JSON text
 * @param children the mappings of a record's properties; empty otherwise
 */
public record ColumnMapping(String property, Field field, Kind kind, List<ColumnMapping> children) {

  /** How values of a column are converted. */
  public enum Kind {
    /** A scalar of the field's type (STRING, INT64, FLOAT64, BOOL, TIMESTAMP, DATE). */
    VALUE,
    /** An object whose properties are the record's sub-fields. */
    RECORD,
    /** Anything the mapping cannot type: the value's compact JSON text in a STRING column. */
    JSON
  }

  public ColumnMapping {
    Objects.requireNonNull(property, "property");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(kind, "kind");
    children = List.copyOf(children);
  }

  /** Whether the column is an array ({@code REPEATED}). */
  public boolean repeated() {
    return field.getMode() == Field.Mode.REPEATED;
  }
}
