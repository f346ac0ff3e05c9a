package dev.eventkit.gcp.bigquery.tables;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides how an existing table must change to hold rows of a wanted schema, with only the changes BigQuery
 * applies in place: new columns are added as NULLABLE (or REPEATED), also inside records; a REQUIRED column the
 * wanted schema does not require (or lacks) is relaxed to NULLABLE. Anything else — a column whose type or
 * repetition differs — cannot be applied: such a change needs a new model (a new table).
 *
 * <p>Stateless and thread-safe.
 */
public final class SchemaEvolution {

  /**
   * The outcome of a comparison.
   *
   * @param schema the schema the table must have (the current one when nothing changes); null when impossible
   * @param changed whether the table must be patched
   * @param problem why the change cannot be applied; null when it can
   */
  public record Result(Schema schema, boolean changed, String problem) {

    /** Whether the rows fit once {@link #schema()} is applied. */
    public boolean possible() {
      return problem == null;
    }
  }

  private SchemaEvolution() {}

  /** How {@code current} must change to hold rows of {@code wanted}. */
  public static Result merge(Schema current, Schema wanted) {
    List<String> problems = new ArrayList<>();
    boolean[] changed = {false};
    FieldList have = current.getFields();
    List<Field> merged = merge(have == null ? List.of() : have, wanted.getFields(), "", problems, changed);
    if (!problems.isEmpty()) {
      return new Result(null, false, String.join("; ", problems));
    }
    return new Result(Schema.of(merged), changed[0], null);
  }

  /** Whether every column of {@code wanted} is in {@code actual} with a compatible type (nothing to change). */
  public static boolean covers(Schema actual, Schema wanted) {
    Result r = merge(actual, wanted);
    return r.possible() && !r.changed();
  }

  private static List<Field> merge(List<Field> have, List<Field> want, String path, List<String> problems,
      boolean[] changed) {
    Map<String, Field> wanted = new LinkedHashMap<>();
    for (Field f : want) {
      wanted.put(f.getName().toLowerCase(Locale.ROOT), f);
    }
    List<Field> out = new ArrayList<>();
    for (Field h : have) {
      Field w = wanted.remove(h.getName().toLowerCase(Locale.ROOT));
      if (w == null) {
        if (mode(h) == Field.Mode.REQUIRED) {
          out.add(h.toBuilder().setMode(Field.Mode.NULLABLE).build());
          changed[0] = true;
        } else {
          out.add(h);
        }
        continue;
      }
      String name = path + h.getName();
      StandardSQLTypeName ht = h.getType().getStandardType();
      StandardSQLTypeName wt = w.getType().getStandardType();
      if (ht != wt) {
        problems.add("column " + name + " is " + ht + ", the schema needs " + wt);
        continue;
      }
      if ((mode(h) == Field.Mode.REPEATED) != (mode(w) == Field.Mode.REPEATED)) {
        problems.add("column " + name + " is " + mode(h) + ", the schema needs " + mode(w));
        continue;
      }
      Field.Builder b = h.toBuilder();
      if (mode(h) == Field.Mode.REQUIRED && mode(w) != Field.Mode.REQUIRED) {
        b.setMode(Field.Mode.NULLABLE);
        changed[0] = true;
      }
      if (ht == StandardSQLTypeName.STRUCT) {
        List<Field> sub = merge(h.getSubFields(), w.getSubFields(), name + ".", problems, changed);
        b.setType(StandardSQLTypeName.STRUCT, FieldList.of(sub));
      }
      out.add(b.build());
    }
    for (Field w : wanted.values()) {
      out.add(relaxed(w));
      changed[0] = true;
    }
    return out;
  }

  /** A column to add: BigQuery adds no REQUIRED column, nor one with REQUIRED sub-fields, to a table. */
  private static Field relaxed(Field f) {
    Field.Builder b = f.toBuilder();
    if (mode(f) == Field.Mode.REQUIRED) {
      b.setMode(Field.Mode.NULLABLE);
    }
    if (f.getSubFields() != null && !f.getSubFields().isEmpty()) {
      List<Field> sub = new ArrayList<>();
      f.getSubFields().forEach(s -> sub.add(relaxed(s)));
      b.setType(StandardSQLTypeName.STRUCT, FieldList.of(sub));
    }
    return b.build();
  }

  private static Field.Mode mode(Field f) {
    return f.getMode() == null ? Field.Mode.NULLABLE : f.getMode();
  }
}
