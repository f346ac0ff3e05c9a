package dev.eventkit.internal.http;

import java.util.regex.Pattern;

/**
 * The rule for names that appear as a path segment — streams, webhooks, pixels — and for the base paths inputs are
 * mounted at, shared so that every input accepts the same names. Stateless and thread-safe.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class PathName {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private PathName() {}

  /** Whether {@code name} is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Checks a base path an input is mounted at; throws {@link IllegalArgumentException} naming {@code what} unless
   * it starts with '/' and does not end with one.
   */
  public static String requireBasePath(String what, String path) {
    if (path == null || !path.startsWith("/") || path.endsWith("/")) {
      throw new IllegalArgumentException(what + " starts with '/' and does not end with one");
    }
    return path;
  }
}
