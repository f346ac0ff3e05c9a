package dev.eventkit.snowplow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema URIs Snowplow envelopes claim for the protocol's built-in event types, and the JSON Schemas for them
 * that ship in this jar, so that a schema registry can validate page views, structured events and transactions
 * like any self-describing event.
 *
 * <p>Stateless and thread-safe. {@link #bundled()} throws {@link UncheckedIOException} only if the jar itself is
 * damaged.
 */
public final class SnowplowSchemas {

  /** Snowplow's own Iglu vendor. */
  public static final String SNOWPLOW_VENDOR = "com.snowplowanalytics.snowplow";

  public static final String PAGE_VIEW = "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0";
  public static final String PAGE_PING = "iglu:com.snowplowanalytics.snowplow/page_ping/jsonschema/1-0-0";
  /** Structured events: Snowplow files them under Google Analytics' vendor, with the name {@code event}. */
  public static final String STRUCTURED = "iglu:com.google.analytics/event/jsonschema/1-0-0";
  public static final String TRANSACTION = "iglu:com.snowplowanalytics.snowplow/transaction/jsonschema/1-0-0";
  public static final String TRANSACTION_ITEM =
      "iglu:com.snowplowanalytics.snowplow/transaction_item/jsonschema/1-0-0";
  /** The self-describing event a {@code /r/tp2} redirect without an {@code e} parameter becomes. */
  public static final String URI_REDIRECT = "iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0";

  private static final List<String> ALL =
      List.of(PAGE_VIEW, PAGE_PING, STRUCTURED, TRANSACTION, TRANSACTION_ITEM, URI_REDIRECT);

  private SnowplowSchemas() {}

  /**
   * The bundled schemas as a registry source, so that page views, pings, structured events and transactions
   * validate without an Iglu server: {@code SchemaRegistry.builder().source(SnowplowSchemas.source())}.
   */
  public static dev.eventkit.schema.SchemaSource source() {
    return dev.eventkit.schema.ClasspathSchemaSource.of("dev/eventkit/snowplow/schemas",
        SnowplowSchemas.class.getClassLoader());
  }

  /** The bundled JSON Schemas (draft-07 text) by schema URI, in a stable order. */
  public static Map<String, String> bundled() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String uri : ALL) {
      out.put(uri, read(uri));
    }
    return out;
  }

  /** The classpath resource holding a bundled schema: {@code dev/eventkit/snowplow/schemas/vendor/name/…}. */
  static String resource(String uri) {
    return "/dev/eventkit/snowplow/schemas/" + uri.substring("iglu:".length()) + ".json";
  }

  private static String read(String uri) {
    try (InputStream in = SnowplowSchemas.class.getResourceAsStream(resource(uri))) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("schema resource missing: " + resource(uri)));
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
