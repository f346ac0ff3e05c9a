package dev.eventkit.snowplow;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks Iglu schema URIs ({@code iglu:vendor/name/format/model-revision-addition}) and matches them against the
 * Snowplow envelopes' schema criteria ({@code 1-0-*}). Stateless and thread-safe; never throws for any input.
 */
final class IgluUri {

  private static final Pattern URI = Pattern.compile(
      "iglu:([a-zA-Z0-9_.-]+)/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)/([0-9]{1,9})-([0-9]{1,9})-([0-9]{1,9})");

  private IgluUri() {}

  /** Whether {@code s} is a well-formed Iglu URI. */
  static boolean isValid(String s) {
    return s != null && URI.matcher(s).matches();
  }

  /**
   * Whether {@code uri} names {@code vendor/name} in format {@code jsonschema} with the given model and revision,
   * any addition: the criterion Snowplow applies to its own wrappers ({@code payload_data}, {@code contexts},
   * {@code unstruct_event}).
   */
  static boolean matches(String uri, String vendor, String name, int model, int revision) {
    if (uri == null) {
      return false;
    }
    Matcher m = URI.matcher(uri);
    return m.matches() && m.group(1).equals(vendor) && m.group(2).equals(name) && m.group(3).equals("jsonschema")
        && Integer.parseInt(m.group(4)) == model && Integer.parseInt(m.group(5)) == revision;
  }

  /** Whether {@code uri} is any version of {@code com.snowplowanalytics.snowplow/name}. */
  static boolean isSnowplow(String uri, String name) {
    if (uri == null) {
      return false;
    }
    Matcher m = URI.matcher(uri);
    return m.matches() && m.group(1).equals(SnowplowSchemas.SNOWPLOW_VENDOR) && m.group(2).equals(name);
  }
}
