package dev.eventkit.gcp.bigquery.tables;

import dev.eventkit.schema.SchemaUri;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of typed tables and columns, predictable from what they hold.
 *
 * <ul>
 *   <li>Table of an Iglu schema: vendor, name and model in snake case, joined by underscores:
 *       {@code iglu:com.acme/checkout/jsonschema/1-2-0} → {@code com_acme_checkout_1}. Only Iglu URIs of format
 *       {@code jsonschema} have one (the model names the table, so minor versions share it).
 *   <li>Column of a property: snake case ({@code targetUrl} → {@code target_url}), characters outside
 *       {@code [a-z0-9_]} replaced by {@code _}, a leading digit prefixed with {@code _}. Snake case because the
 *       Storage Write API lower-cases field names, and BigQuery's are case-insensitive anyway.
 *   <li>Column of a context schema: {@code contexts_} + the schema's table name, such as
 *       {@code contexts_com_snowplowanalytics_snowplow_web_page_1}.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class TableNames {

  private static final Pattern IGLU = Pattern.compile("iglu:([^/]+)/([^/]+)/([^/]+)/([0-9]+)-([0-9]+)-([0-9]+)");
  private static final Pattern CAMEL = Pattern.compile("([a-z0-9])([A-Z])");
  private static final int MAX_COLUMN = 300;

  private TableNames() {}

  /** The table of the schema's model, or empty when the URI is not an Iglu {@code jsonschema} URI. */
  public static Optional<String> table(SchemaUri uri) {
    Matcher m = IGLU.matcher(uri.toString());
    if (uri.kind() != SchemaUri.Kind.IGLU || !m.matches() || !"jsonschema".equals(m.group(3))) {
      return Optional.empty();
    }
    return Optional.of(snake(m.group(1)) + "_" + snake(m.group(2)) + "_" + Integer.parseInt(m.group(4)));
  }

  /** The schema family a table holds, {@code iglu:vendor/name/jsonschema/MODEL-*-*}, or empty. */
  public static Optional<String> family(SchemaUri uri) {
    Matcher m = IGLU.matcher(uri.toString());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of("iglu:" + m.group(1) + "/" + m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "-*-*");
  }

  /** The column holding the contexts of a schema, or empty when it has no table name. */
  public static Optional<String> contextColumn(SchemaUri uri) {
    return table(uri).map(t -> "contexts_" + t);
  }

  /** The column name of a JSON property. */
  public static String column(String property) {
    String s = snake(property);
    if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
      s = "_" + s;
    }
    return s.length() > MAX_COLUMN ? s.substring(0, MAX_COLUMN) : s;
  }

  private static String snake(String s) {
    String out = CAMEL.matcher(s).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    return out.replaceAll("[^a-z0-9_]", "_");
  }
}
