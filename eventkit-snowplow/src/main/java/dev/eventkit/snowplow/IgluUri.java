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
    if (isPlainly(uri, vendor, name, model, revision)) {
      return true;
    }
    Matcher m = URI.matcher(uri);
    return m.matches() && m.group(1).equals(vendor) && m.group(2).equals(name) && m.group(3).equals("jsonschema")
        && Integer.parseInt(m.group(4)) == model && Integer.parseInt(m.group(5)) == revision;
  }

  /**
   * Whether {@code uri} is spelled exactly {@code iglu:vendor/name/jsonschema/model-revision-addition} with an
   * addition of 1-9 digits: what trackers send, checked without a regular expression. False says nothing.
   */
  private static boolean isPlainly(String uri, String vendor, String name, int model, int revision) {
    int at = skip(uri, 0, "iglu:");
    at = skip(uri, at, vendor);
    at = skip(uri, at, "/");
    at = skip(uri, at, name);
    at = skip(uri, at, "/jsonschema/");
    at = number(uri, at, model);
    at = skip(uri, at, "-");
    at = number(uri, at, revision);
    at = skip(uri, at, "-");
    if (at < 0) {
      return false;
    }
    int digits = uri.length() - at;
    if (digits < 1 || digits > 9) {
      return false;
    }
    for (int i = at; i < uri.length(); i++) {
      if (uri.charAt(i) < '0' || uri.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** The index after {@code part} when {@code s} has it at {@code at}, else -1. */
  private static int skip(String s, int at, String part) {
    return at >= 0 && s.startsWith(part, at) ? at + part.length() : -1;
  }

  /** The index after {@code value}'s decimal digits (no leading zeros) when {@code s} has them at {@code at}. */
  private static int number(String s, int at, int value) {
    if (at < 0 || value < 0) {
      return -1;
    }
    int digits = value < 10 ? 1 : (int) Math.log10(value) + 1;
    if (at + digits > s.length() || (at + digits < s.length() && Character.isDigit(s.charAt(at + digits)))) {
      return -1;
    }
    int v = 0;
    for (int i = at; i < at + digits; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v == value && (digits == 1 || s.charAt(at) != '0') ? at + digits : -1;
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
