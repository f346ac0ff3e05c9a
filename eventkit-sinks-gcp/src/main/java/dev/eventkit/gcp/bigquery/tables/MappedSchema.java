package dev.eventkit.gcp.bigquery.tables;

import com.google.cloud.bigquery.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Schema mapped to BigQuery columns, one per top-level property. Immutable and thread-safe.
 *
 * @param uri the schema URI it was mapped from
 * @param columns the column mappings, in the schema's property order
 */
public record MappedSchema(String uri, List<ColumnMapping> columns) {

  public MappedSchema {
    columns = List.copyOf(columns);
  }

  /** The columns as BigQuery fields. */
  public List<Field> fields() {
    List<Field> out = new ArrayList<>(columns.size());
    columns.forEach(c -> out.add(c.field()));
    return out;
  }
}
