package dev.eventkit.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.eventkit.http.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * The shape of the requests one fuzz target sends: which methods, paths and headers it chooses among, whether it
 * has a query string, and how its body is encoded. {@link #read} turns fuzzer data into an {@link HttpRequest}, so
 * that the fuzzer mutates choices (a header, a path) rather than raw HTTP text and reaches the inputs' own code;
 * {@link Seed} writes the fuzzer data that {@code read} turns back into a chosen request, for the seed corpus.
 *
 * <p>What {@link #read} consumes, in order: the method; the path template, then one string for each {@code {}} in
 * it; the query string (when the shape has one); each required header's value, then the number of optional headers
 * and for each its choice, name (when fuzzed) and value; the body's encoding (when the shape gzips); the rest of the
 * data is the body. Choices come from the end of the data and strings from its start, as
 * {@link FuzzedDataProvider} does. Changing this order invalidates every committed corpus.
 *
 * <p>Header values never hold CR, LF or NUL: no HTTP stack hands such a value to the collector. Immutable and
 * thread-safe.
 */
public final class FuzzRequest {

  /** Longest fuzzed path segment, header name, header value and query string. */
  static final int MAX_SEGMENT = 160;
  static final int MAX_HEADER_NAME = 40;
  static final int MAX_HEADER_VALUE = 300;
  static final int MAX_QUERY = 4096;
  /** The most optional headers one request carries. */
  static final int MAX_HEADERS = 8;
  /** A path template's placeholder for a fuzzed segment; a header name's placeholder for a fuzzed suffix. */
  static final String HOLE = "{}";

  /** How the body is sent. */
  public enum Body {
    /** As the fuzzer made it. */
    RAW,
    /** Gzipped whole. */
    GZIP,
    /** Gzipped, then cut short. */
    GZIP_TRUNCATED
  }

  /**
   * A header the target may send: its name ({@code null} for a fuzzed name; {@code {}} in it is filled with a fuzzed
   * string) and the values to choose among (the fuzzer may also choose a value of its own).
   */
  public record Header(String name, String... values) {
    public Header {
      values = values.clone();
    }
  }

  private final String[] methods;
  private final String[] paths;
  private final boolean query;
  private final Header[] required;
  private final Header[] optional;
  private final boolean gzip;

  private FuzzRequest(Builder b) {
    this.methods = b.methods;
    this.paths = b.paths;
    this.query = b.query;
    this.required = b.required.toArray(new Header[0]);
    this.optional = b.optional.toArray(new Header[0]);
    this.gzip = b.gzip;
  }

  /** A shape choosing among {@code methods} (the first is the route's own) and {@code paths}. */
  public static Builder builder(String[] methods, String... paths) {
    return new Builder(methods, paths);
  }

  /** Reads one request from fuzzer data; never throws for any data. */
  public HttpRequest read(FuzzedDataProvider data) {
    String method = data.pickValue(methods);
    String template = data.pickValue(paths);
    StringBuilder path = new StringBuilder();
    int from = 0;
    for (int at = template.indexOf(HOLE); at >= 0; at = template.indexOf(HOLE, from)) {
      path.append(template, from, at).append(data.consumeString(MAX_SEGMENT));
      from = at + HOLE.length();
    }
    path.append(template.substring(from));
    HttpRequest.Builder b = HttpRequest.builder(method, path.toString()).remoteAddress("203.0.113.7");
    if (query) {
      b.rawQuery(data.consumeString(MAX_QUERY));
    }
    for (Header h : required) {
      b.header(name(h, data), value(h, data));
    }
    int count = data.consumeInt(0, MAX_HEADERS);
    for (int i = 0; i < count && optional.length > 0; i++) {
      Header h = data.pickValue(optional);
      b.header(name(h, data), value(h, data));
    }
    Body encoding = gzip ? data.pickValue(Body.values()) : Body.RAW;
    int cut = encoding == Body.GZIP_TRUNCATED ? data.consumeInt(0, 0xffff) : 0;
    byte[] body = data.consumeRemainingAsBytes();
    if (encoding != Body.RAW) {
      body = gzip(body);
      if (encoding == Body.GZIP_TRUNCATED) {
        body = Arrays.copyOf(body, cut % (body.length + 1));
      }
    }
    return b.body(body).build();
  }

  private static String name(Header h, FuzzedDataProvider data) {
    if (h.name() == null) {
      return clean(data.consumeString(MAX_HEADER_NAME));
    }
    int hole = h.name().indexOf(HOLE);
    return hole < 0 ? h.name()
        : h.name().substring(0, hole) + clean(data.consumeString(MAX_HEADER_NAME)) + h.name().substring(hole + 2);
  }

  private static String value(Header h, FuzzedDataProvider data) {
    int choice = data.consumeInt(0, h.values().length);
    return choice < h.values().length ? h.values()[choice] : clean(data.consumeString(MAX_HEADER_VALUE));
  }

  /** What an HTTP stack could hand over: no CR, LF or NUL in a header. */
  private static String clean(String s) {
    return s.replace("\r", "").replace("\n", "").replace("\0", "");
  }

  static byte[] gzip(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 32);
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Starts the fuzzer data for a chosen request of this shape, for the seed corpus. */
  public Seed seed(String method, String template) {
    return new Seed(method, template);
  }

  /**
   * Writes the fuzzer data from which {@link #read} makes a chosen request: call {@link #segment} for each
   * {@code {}} in the path template, then {@link #query} (when the shape has one), {@link #header} for each
   * required header in order and for the optional ones, and finish with {@link #body}. Not thread-safe.
   */
  public final class Seed {
    private final ByteArrayOutputStream front = new ByteArrayOutputStream();
    private final ByteArrayOutputStream back = new ByteArrayOutputStream();
    private final List<byte[]> optionalHeaders = new ArrayList<>();
    private final ByteArrayOutputStream headerStrings = new ByteArrayOutputStream();
    private final ByteArrayOutputStream requiredChoices = new ByteArrayOutputStream();
    private int requiredGiven;
    private int optionalCount;
    private boolean headersStarted;

    private Seed(String method, String template) {
      choice(back, indexOf(methods, method), methods.length);
      choice(back, indexOf(paths, template), paths.length);
    }

    /** The next fuzzed path segment. */
    public Seed segment(String s) {
      requireNoHeaders();
      string(front, s, MAX_SEGMENT);
      return this;
    }

    public Seed query(String q) {
      if (!query) {
        throw new IllegalStateException("this shape has no query string");
      }
      requireNoHeaders();
      string(front, q, MAX_QUERY);
      return this;
    }

    /**
     * A header: the next required one while any is left, else an optional one of this name (a fuzzed name's
     * header for a name no optional header has; a name with {@code {}} for a name that starts like it).
     */
    public Seed header(String name, String value) {
      headersStarted = true;
      if (requiredGiven < required.length) {
        Header h = required[requiredGiven++];
        if (!h.name().equalsIgnoreCase(name)) {
          throw new IllegalArgumentException("required header " + h.name() + " comes first");
        }
        valueBytes(h, value, requiredChoices, front);
        return this;
      }
      int index = -1;
      for (int i = 0; i < optional.length && index < 0; i++) {
        String n = optional[i].name();
        if (n != null && (n.equalsIgnoreCase(name) || n.contains(HOLE)
            && name.toLowerCase(Locale.ROOT).startsWith(n.substring(0, n.indexOf(HOLE)).toLowerCase(Locale.ROOT)))) {
          index = i;
        }
      }
      for (int i = 0; i < optional.length && index < 0; i++) {
        if (optional[i].name() == null) {
          index = i;
        }
      }
      if (index < 0) {
        throw new IllegalArgumentException("this shape sends no header " + name);
      }
      Header h = optional[index];
      ByteArrayOutputStream choices = new ByteArrayOutputStream();
      choice(choices, index, optional.length);
      if (h.name() == null) {
        string(headerStrings, name, MAX_HEADER_NAME);
      } else if (h.name().contains(HOLE)) {
        string(headerStrings, name.substring(h.name().indexOf(HOLE)), MAX_HEADER_NAME);
      }
      valueBytes(h, value, choices, headerStrings);
      optionalHeaders.add(choices.toByteArray());
      optionalCount++;
      return this;
    }

    private void requireNoHeaders() {
      if (headersStarted) {
        throw new IllegalStateException("path segments and the query come before the headers");
      }
    }

    private void valueBytes(Header h, String value, ByteArrayOutputStream choices, ByteArrayOutputStream strings) {
      int v = indexOf(h.values(), value);
      if (v < 0) {
        choice(choices, h.values().length, h.values().length + 1);
        string(strings, value, MAX_HEADER_VALUE);
      } else {
        choice(choices, v, h.values().length + 1);
      }
    }

    /** The body, sent as it is. */
    public byte[] body(byte[] body) {
      return body(Body.RAW, body);
    }

    /** The body (before encoding) and how it is sent; returns the finished fuzzer data. */
    public byte[] body(Body encoding, byte[] body) {
      if (requiredGiven < required.length) {
        throw new IllegalStateException("required header " + required[requiredGiven].name() + " is missing");
      }
      if (optionalCount > MAX_HEADERS) {
        throw new IllegalStateException("at most " + MAX_HEADERS + " optional headers");
      }
      ByteArrayOutputStream choices = new ByteArrayOutputStream();
      choices.writeBytes(requiredChoices.toByteArray());
      choice(choices, optionalCount, MAX_HEADERS + 1);
      optionalHeaders.forEach(choices::writeBytes);
      if (encoding == Body.GZIP_TRUNCATED) {
        throw new IllegalArgumentException("seeds send whole bodies");
      }
      if (gzip) {
        choice(choices, encoding.ordinal(), Body.values().length);
      } else if (encoding != Body.RAW) {
        throw new IllegalStateException("this shape sends raw bodies only");
      }
      back.writeBytes(choices.toByteArray());
      front.writeBytes(headerStrings.toByteArray());
      front.writeBytes(body);
      byte[] tail = back.toByteArray();
      byte[] out = Arrays.copyOf(front.toByteArray(), front.size() + tail.length);
      for (int i = 0; i < tail.length; i++) {
        out[out.length - 1 - i] = tail[i];
      }
      return out;
    }
  }

  private static int indexOf(String[] values, String v) {
    for (int i = 0; i < values.length; i++) {
      if (Objects.equals(values[i], v)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A choice of {@code index} among {@code size}, as {@link FuzzedDataProvider#consumeInt(int, int)} reads it:
   * as many bytes as the range needs, most significant first, from the end of the data.
   */
  private static void choice(ByteArrayOutputStream back, int index, int size) {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("no choice " + index + " of " + size);
    }
    long range = size - 1L;
    int bytes = 0;
    while (bytes < 4 && (range >>> (8 * bytes)) > 0) {
      bytes++;
    }
    for (int i = bytes - 1; i >= 0; i--) {
      back.write((index >>> (8 * i)) & 0xff);
    }
  }

  /**
   * A string as {@link FuzzedDataProvider#consumeString(int)} reads it: UTF-8 with each backslash doubled, ended
   * by a backslash and one more byte unless it has the maximum length.
   */
  private static void string(ByteArrayOutputStream front, String s, int max) {
    if (s.codePointCount(0, s.length()) > max || s.codePoints().anyMatch(c -> c == 0 || c > 0xffff)) {
      throw new IllegalArgumentException("a seed string is at most " + max + " characters of the BMP without NUL");
    }
    front.writeBytes(s.replace("\\", "\\\\").getBytes(StandardCharsets.UTF_8));
    if (s.codePointCount(0, s.length()) < max) {
      front.writeBytes(new byte[] {'\\', 'x'});
    }
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private final String[] methods;
    private final String[] paths;
    private boolean query;
    private final List<Header> required = new ArrayList<>();
    private final List<Header> optional = new ArrayList<>();
    private boolean gzip;

    private Builder(String[] methods, String[] paths) {
      this.methods = methods.clone();
      this.paths = paths.clone();
    }

    /** The request has a fuzzed query string. */
    public Builder query() {
      this.query = true;
      return this;
    }

    /** A header every request carries, its value chosen from {@code values} or fuzzed. */
    public Builder required(String name, String... values) {
      required.add(new Header(Objects.requireNonNull(name), values));
      return this;
    }

    /** Headers a request may carry, each any number of times. */
    public Builder optional(Header... headers) {
      optional.addAll(List.of(headers));
      return this;
    }

    /** The body may be gzipped whole or cut short (the {@code Content-Encoding} header is the fuzzer's choice). */
    public Builder gzip() {
      this.gzip = true;
      return this;
    }

    public FuzzRequest build() {
      return new FuzzRequest(this);
    }
  }
}
