package dev.eventkit.schema;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a JSON Schema as events and registries spell it, in one of two forms:
 *
 * <ul>
 *   <li>Iglu: {@code iglu:vendor/name/format/version}, such as {@code iglu:com.acme/checkout/jsonschema/1-0-0},
 *       the version being {@code MODEL-REVISION-ADDITION};
 *   <li>a relative name: slash-separated segments of letters, digits, {@code . _ -}, such as
 *       {@code com.acme/checkout/v1.json}.
 * </ul>
 *
 * <p>Anything else (absolute {@code http:} URIs, {@code ..} segments, empty segments) is malformed: the registry
 * never resolves a name it did not understand, and no name can escape a source's root. Immutable and thread-safe.
 * {@link #parse} throws {@link IllegalArgumentException} with a message naming the URI and the expected forms.
 */
public final class SchemaUri implements Comparable<SchemaUri> {

  /** The longest schema URI accepted. */
  public static final int MAX_LENGTH = 512;

  /** The two forms of schema name. */
  public enum Kind {
    IGLU, RELATIVE
  }

  private static final String SEGMENT = "[A-Za-z0-9_-][A-Za-z0-9._-]*";
  private static final Pattern IGLU = Pattern.compile(
      "iglu:(" + SEGMENT + ")/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/([0-9]{1,9}-[0-9]{1,9}-[0-9]{1,9})");
  private static final Pattern RELATIVE = Pattern.compile(SEGMENT + "(/" + SEGMENT + ")*");

  private final Kind kind;
  private final String text;
  private final String vendor;
  private final String path;

  private SchemaUri(Kind kind, String text, String vendor, String path) {
    this.kind = kind;
    this.text = text;
    this.vendor = vendor;
    this.path = path;
  }

  /**
   * Parses a schema URI; throws {@link IllegalArgumentException} when it is malformed, with a message that does not
   * repeat the text.
   */
  public static SchemaUri parse(String text) {
    Objects.requireNonNull(text, "schema URI");
    if (text.length() <= MAX_LENGTH) {
      Matcher m = IGLU.matcher(text);
      if (m.matches()) {
        return new SchemaUri(Kind.IGLU, text, m.group(1),
            m.group(1) + "/" + m.group(2) + "/" + m.group(3) + "/" + m.group(4));
      }
      if (!text.startsWith("iglu:") && RELATIVE.matcher(text).matches()) {
        int slash = text.indexOf('/');
        return new SchemaUri(Kind.RELATIVE, text, slash < 0 ? "" : text.substring(0, slash), text);
      }
    }
    // The text is not repeated: it may come from a request, and messages end up in responses.
    throw new IllegalArgumentException("malformed schema URI: expected iglu:vendor/name/format/MODEL-REVISION-ADDITION"
        + " or a relative name such as com.acme/checkout/v1.json");
  }

  /** Whether {@link #parse} would accept {@code text}. */
  /**
   * The schema stored at {@code relativePath} in a repository laid out as {@link #path()} describes
   * ({@code vendor/name/format/1-0-0}, optionally with {@code .json}, or a relative name ending in {@code .json});
   * empty when the path names no schema. Used by sources that enumerate a directory or a bucket.
   */
  public static java.util.Optional<SchemaUri> fromPath(String relativePath) {
    String[] parts = relativePath.split("/");
    if (parts.length == 4) {
      String version = parts[3].endsWith(".json") ? parts[3].substring(0, parts[3].length() - 5) : parts[3];
      String iglu = "iglu:" + parts[0] + "/" + parts[1] + "/" + parts[2] + "/" + version;
      if (isWellFormed(iglu) && version.matches("[0-9]+-[0-9]+-[0-9]+")) {
        return java.util.Optional.of(parse(iglu));
      }
    }
    return relativePath.endsWith(".json") && isWellFormed(relativePath) ? java.util.Optional.of(parse(relativePath))
        : java.util.Optional.empty();
  }

  public static boolean isWellFormed(String text) {
    if (text == null) {
      return false;
    }
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Cuts a value to a length that is safe to put into a message. */
  static String abbreviate(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 120));
    for (int i = 0; i < s.length() && out.length() < 100; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > 100 ? out + "…" : out.toString();
  }

  public Kind kind() {
    return kind;
  }

  /**
   * The vendor, used for vendor-prefix routing: an Iglu URI's vendor, or a relative name's first segment (empty
   * for a one-segment name).
   */
  public String vendor() {
    return vendor;
  }

  /**
   * Where the schema lives below a source's root: {@code vendor/name/format/version} for an Iglu URI (the Iglu
   * static-repository layout), the name itself for a relative name.
   */
  public String path() {
    return path;
  }

  /** Whether this URI's vendor is {@code prefix} or below it ({@code com.acme} covers {@code com.acme.web}). */
  public boolean vendorMatches(String prefix) {
    return vendor.equals(prefix) || vendor.startsWith(prefix.endsWith(".") ? prefix : prefix + ".");
  }

  @Override
  public int compareTo(SchemaUri o) {
    return text.compareTo(o.text);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchemaUri && ((SchemaUri) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The URI as written. */
  @Override
  public String toString() {
    return text;
  }
}
