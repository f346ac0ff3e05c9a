package dev.eventkit.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A method and a path template that an {@link Input} serves, such as {@code POST /collect/{stream}}, with the
 * media types it accepts (empty: any). Segments in braces match one non-empty path segment and are returned as
 * path parameters.
 *
 * <p>Immutable and thread-safe. The constructor throws {@link IllegalArgumentException} for a template that does
 * not start with '/'.
 */
public final class Route {

  private final String method;
  private final String template;
  private final Set<String> mediaTypes;
  private final List<String> segments;
  private final int literalSegments;

  public Route(String method, String template, Set<String> mediaTypes) {
    this.method = method.toUpperCase(Locale.ROOT);
    this.template = Objects.requireNonNull(template, "template");
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("a route template starts with '/': " + template);
    }
    this.mediaTypes = Set.copyOf(mediaTypes);
    this.segments = split(template);
    int literal = 0;
    for (String s : segments) {
      if (!isParameter(s)) {
        literal++;
      }
    }
    this.literalSegments = literal;
  }

  public static Route post(String template, String... mediaTypes) {
    return new Route("POST", template, Set.of(mediaTypes));
  }

  public static Route get(String template) {
    return new Route("GET", template, Set.of());
  }

  private static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static boolean isParameter(String segment) {
    return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
  }

  /** The path parameters when {@code path} fits the template, else null. */
  public Map<String, String> match(String path) {
    return match(split(path));
  }

  /** {@link #match(String)} of a path already cut into its non-empty segments ({@link #segmentsOf}). */
  Map<String, String> match(List<String> parts) {
    if (parts.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = null;
    for (int i = 0; i < parts.size(); i++) {
      String t = segments.get(i);
      if (isParameter(t)) {
        if (params == null) {
          params = new LinkedHashMap<>();
        }
        params.put(t.substring(1, t.length() - 1), parts.get(i));
      } else if (!t.equals(parts.get(i))) {
        return null;
      }
    }
    return params == null ? Map.of() : params;
  }

  /** A path's non-empty segments, cut once so that a request is matched against every route without re-cutting. */
  static List<String> segmentsOf(String path) {
    return split(path);
  }

  /** How many literal segments the template has; a more specific route wins over a less specific one. */
  public int specificity() {
    return literalSegments;
  }

  public String method() {
    return method;
  }

  public String template() {
    return template;
  }

  /** Accepted media types; empty means any. */
  public Set<String> mediaTypes() {
    return mediaTypes;
  }

  @Override
  public String toString() {
    return method + " " + template;
  }
}
