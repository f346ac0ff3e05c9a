package dev.eventkit.http.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The write keys a collector accepts, each allowed a set of paths and streams, and how each path may be
 * authorised. Keys are held only as SHA-256 digests (a key may be configured as its digest, so that plain keys
 * need not be stored at rest) and compared with {@link MessageDigest#isEqual} against every configured key, so the
 * time taken does not depend on how much of a key matched or which key it was.
 *
 * <p>A client presents a key as Segment's libraries do — HTTP Basic with the key as user name and an empty
 * password — or as {@code Authorization: Bearer <key>}; on paths configured for it, as a query parameter
 * ({@link #queryParameter()}, {@code writeKey} by default), for trackers that cannot set headers (pixels,
 * Snowplow's {@code GET /i}); and, on inputs that read it ({@code SegmentInput}), as {@code writeKey} in the JSON
 * body, as Segment's browser library sends it. Paths may also be configured open (no key).
 *
 * <p>Text form, one entry per line (or separated by {@code ;}), {@code #} starting a comment:
 * <pre>
 * KEY [name=LABEL] [paths=PATTERN,...] [streams=NAME,...]
 * </pre>
 * where {@code KEY} is the key itself or {@code sha256:} and its digest in hex, a pattern is a path
 * ({@code /v1/batch}), a prefix ({@code /v1/*}: {@code /v1} and everything below it) or {@code *}, and a stream list
 * is names or {@code *}; both default to {@code *}. The label (default {@code #N}, the entry's position) names the
 * key in rate limits; it is never derived from the key.
 *
 * <p>Immutable and thread-safe. The builder and {@link #parse} throw {@link IllegalArgumentException} naming the
 * entry's position, never its text, so that a malformed key never reaches a log.
 */
public final class WriteKeys {

  /** How a path may be authorised. */
  public enum Access {
    /** A key is required, in the {@code Authorization} header (or the body, where the input reads it). */
    KEY,
    /** A key is required, in the header or as the query parameter. */
    QUERY_KEY,
    /** No key is required. */
    OPEN
  }

  /** One accepted key: its label and what it may write to. Immutable; {@link #toString} shows the label only. */
  public static final class Key {
    private final String name;
    private final byte[] digest;
    private final List<String> paths;
    private final Set<String> streams;

    private Key(String name, byte[] digest, List<String> paths, Set<String> streams) {
      this.name = name;
      this.digest = digest;
      this.paths = List.copyOf(paths);
      this.streams = Set.copyOf(streams);
    }

    /** The key's label, safe to log. */
    public String name() {
      return name;
    }

    /** Whether the key may write to {@code path}. */
    public boolean allowsPath(String path) {
      for (String p : paths) {
        if (matches(p, path)) {
          return true;
        }
      }
      return false;
    }

    /** Whether the key may write events of {@code stream}. */
    public boolean allowsStream(String stream) {
      return streams.contains("*") || streams.contains(stream);
    }

    @Override
    public String toString() {
      return "WriteKeys.Key{" + name + "}";
    }
  }

  private record PathRule(String pattern, Access access) {}

  private final List<Key> keys;
  private final List<PathRule> rules;
  private final String queryParameter;

  private WriteKeys(Builder b) {
    this.keys = List.copyOf(b.keys);
    this.rules = List.copyOf(b.rules);
    this.queryParameter = b.queryParameter;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Keys in the text form (see the class description), every path requiring a key in the header. */
  public static WriteKeys parse(String text) {
    return builder().entries(text).build();
  }

  /** The SHA-256 digest of a key in hex, the form to configure instead of the key ({@code sha256:<hex>}). */
  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(digest(key));
  }

  /** How many keys are configured. */
  public int size() {
    return keys.size();
  }

  /** The query parameter that carries a key on {@link Access#QUERY_KEY} paths. */
  public String queryParameter() {
    return queryParameter;
  }

  /** How {@code path} may be authorised: the first matching open or query-key rule, else {@link Access#KEY}. */
  public Access access(String path) {
    for (PathRule r : rules) {
      if (matches(r.pattern, path)) {
        return r.access;
      }
    }
    return Access.KEY;
  }

  /** The configured key equal to {@code presented}, or null; compares against every key in constant time. */
  public Key find(String presented) {
    if (presented == null || presented.isEmpty()) {
      return null;
    }
    byte[] d = digest(presented);
    Key found = null;
    for (Key k : keys) {
      if (MessageDigest.isEqual(d, k.digest) && found == null) {
        found = k;
      }
    }
    return found;
  }

  /**
   * The key in an {@code Authorization} header: the user name of {@code Basic} credentials (the password is
   * ignored; Segment's libraries send it empty) or a {@code Bearer} token. Null when there is none.
   */
  public static String fromAuthorization(String header) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    int space = h.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
    String credentials = h.substring(space + 1).trim();
    if (scheme.equals("bearer")) {
      return credentials.isEmpty() ? null : credentials;
    }
    if (!scheme.equals("basic")) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    return user.isEmpty() ? null : user;
  }

  /** {@code rawQuery} without any {@link #queryParameter()}; null when nothing else is left. */
  public String withoutQueryParameter(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return rawQuery;
    }
    StringBuilder out = new StringBuilder(rawQuery.length());
    boolean removed = false;
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (decode(name).equals(queryParameter)) {
        removed = true;
        continue;
      }
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(pair);
    }
    if (!removed) {
      return rawQuery;
    }
    return out.length() == 0 ? null : out.toString();
  }

  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  static boolean matches(String pattern, String path) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.endsWith("/*")) {
      String prefix = pattern.substring(0, pattern.length() - 2);
      return path.equals(prefix) || path.startsWith(prefix + "/");
    }
    return pattern.equals(path);
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Configures {@link WriteKeys}; not thread-safe. Defaults: no key, every path requiring a key in the header
   * (or body), query parameter {@code writeKey}.
   */
  public static final class Builder {
    private final List<Key> keys = new ArrayList<>();
    private final List<PathRule> rules = new ArrayList<>();
    private String queryParameter = "writeKey";
    private int entries;

    private Builder() {}

    /** Accepts {@code keyOrDigest} ({@code sha256:<hex>} or the key itself) on every path and stream. */
    public Builder key(String keyOrDigest) {
      return key(null, keyOrDigest, List.of("*"), List.of("*"));
    }

    /**
     * Accepts a key on some paths and streams.
     *
     * @param name a label for logs and rate limits, or null for {@code #N}
     * @param keyOrDigest the key, or {@code sha256:} and its digest in hex
     * @param paths path patterns ({@code /v1/batch}, {@code /v1/*}, {@code *})
     * @param streams stream names, or {@code *}
     */
    public Builder key(String name, String keyOrDigest, List<String> paths, List<String> streams) {
      int position = ++entries;
      Objects.requireNonNull(keyOrDigest, "key");
      String where = "write key entry " + position;
      byte[] digest;
      if (keyOrDigest.regionMatches(true, 0, "sha256:", 0, 7)) {
        String hex = keyOrDigest.substring(7);
        if (!hex.matches("[0-9A-Fa-f]{64}")) {
          throw new IllegalArgumentException(where + ": a sha256: digest is 64 hex digits");
        }
        digest = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
      } else {
        if (keyOrDigest.isEmpty() || !keyOrDigest.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ';')) {
          throw new IllegalArgumentException(where + ": a key is printable ASCII without spaces or ';'");
        }
        digest = digest(keyOrDigest);
      }
      if (paths.isEmpty() || streams.isEmpty()) {
        throw new IllegalArgumentException(where + ": give at least one path pattern and one stream (or '*')");
      }
      for (String p : paths) {
        requirePattern(p, where);
      }
      for (String s : streams) {
        if (!s.equals("*") && !s.matches("[A-Za-z0-9._-]{1,128}")) {
          throw new IllegalArgumentException(where + ": a stream is a name of letters, digits, '.', '_', '-' or '*'");
        }
      }
      String label = name == null ? "#" + position : name;
      if (!label.matches("[#A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException(where + ": a name is 1-64 letters, digits, '.', '_' or '-'");
      }
      keys.add(new Key(label, digest, paths, new LinkedHashSet<>(streams)));
      return this;
    }

    /** Adds entries in the text form (see {@link WriteKeys}): lines or {@code ;}-separated, {@code #} comments. */
    public Builder entries(String text) {
      for (String line : text.split("[\\r\\n;]+")) {
        int hash = line.indexOf('#');
        String entry = (hash == 0 || hash > 0 && Character.isWhitespace(line.charAt(hash - 1))
            ? line.substring(0, hash) : line).trim();
        if (entry.isEmpty()) {
          continue;
        }
        String[] parts = entry.split("\\s+");
        String name = null;
        List<String> paths = List.of("*");
        List<String> streams = List.of("*");
        for (int i = 1; i < parts.length; i++) {
          String p = parts[i];
          if (p.startsWith("name=")) {
            name = p.substring(5);
          } else if (p.startsWith("paths=")) {
            paths = List.of(p.substring(6).split(","));
          } else if (p.startsWith("streams=")) {
            streams = List.of(p.substring(8).split(","));
          } else {
            throw new IllegalArgumentException("write key entry " + (entries + 1)
                + ": options are name=, paths= and streams=");
          }
        }
        key(name, parts[0], paths, streams);
      }
      return this;
    }

    /** Adds the entries of a file in the text form. */
    public Builder file(Path file) throws IOException {
      return entries(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Lets requests on paths matching {@code pattern} through without a key (say, {@code /i} or {@code /pixel/*}). */
    public Builder openPath(String pattern) {
      requirePattern(pattern, "open path");
      rules.add(new PathRule(pattern, Access.OPEN));
      return this;
    }

    /** Accepts the key as the query parameter on paths matching {@code pattern}; it is removed before storing. */
    public Builder queryKeyPath(String pattern) {
      requirePattern(pattern, "query-key path");
      rules.add(new PathRule(pattern, Access.QUERY_KEY));
      return this;
    }

    /** The query parameter that carries a key; {@code writeKey} by default. */
    public Builder queryParameter(String name) {
      Objects.requireNonNull(name, "queryParameter");
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("a query parameter name is 1-64 letters, digits, '.', '_' or '-'");
      }
      this.queryParameter = name;
      return this;
    }

    private static void requirePattern(String pattern, String where) {
      Objects.requireNonNull(pattern, "pattern");
      if (!pattern.equals("*") && (!pattern.startsWith("/") || pattern.indexOf('*') >= 0 && !pattern.endsWith("/*")
          || pattern.indexOf('*') != pattern.lastIndexOf('*'))) {
        throw new IllegalArgumentException(where + ": a path pattern is '*', a path, or a prefix ending in '/*'");
      }
    }

    /** Builds the set; it may be empty (then every request needing a key is refused). */
    public WriteKeys build() {
      return new WriteKeys(this);
    }
  }
}
