package dev.eventkit.http.security;

import dev.eventkit.internal.id.RandomIds;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per request, in logfmt, at INFO on the SLF4J logger {@code dev.eventkit.access}:
 * <pre>
 * request_id=0f3c… method=POST route=/v1/batch status=202 events=20 bytes_in=5123 bytes_out=36 duration_ms=4
 * </pre>
 * The route is the matched template ({@code /collect/{stream}}), never the raw path; nothing else of the request is
 * written — no payload, query, header, key, cookie, client address or client id. The request id is the client's
 * {@code X-Request-Id} when it is a plain token (letters, digits, {@code .}, {@code _}, {@code -}, {@code :}, at
 * most 64), else a random one; the collector returns it in the response either way.
 *
 * <p>Immutable and thread-safe; {@link #record} never throws (a failing destination is the logging backend's
 * concern). A line is written on the thread that completes the request — for requests that append events, the
 * log's writer thread — so under load route {@code dev.eventkit.access} to an asynchronous appender.
 */
public final class AccessLog {

  /** The logger's name. */
  public static final String LOGGER = "dev.eventkit.access";

  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
  private static final AccessLog OFF = new AccessLog(null);

  private final Consumer<String> out;

  private AccessLog(Consumer<String> out) {
    this.out = out;
  }

  /** No access log. The collector's default. */
  public static AccessLog off() {
    return OFF;
  }

  /** Lines at INFO on the logger {@code dev.eventkit.access}. */
  public static AccessLog toLogger() {
    Logger logger = LoggerFactory.getLogger(LOGGER);
    return new AccessLog(logger::info);
  }

  /** Lines handed to {@code out}, for hosts with their own log pipeline (and tests). */
  public static AccessLog to(Consumer<String> out) {
    return new AccessLog(Objects.requireNonNull(out, "out"));
  }

  public boolean enabled() {
    return out != null;
  }

  /** The client's request id when it is a plain token, else a new random one (32 hex digits). */
  public static String requestId(String fromClient) {
    if (fromClient != null && REQUEST_ID.matcher(fromClient).matches()) {
      return fromClient;
    }
    return RandomIds.hex128();
  }

  /**
   * Writes one request's line.
   *
   * @param requestId from {@link #requestId}
   * @param method the request method
   * @param route the matched route template, or null when no route matched
   * @param status the response status
   * @param events envelopes appended to the log
   * @param bytesIn request body bytes as received
   * @param bytesOut response body bytes
   * @param durationNanos time from receipt to the response
   */
  public void record(String requestId, String method, String route, int status, int events, long bytesIn,
      long bytesOut, long durationNanos) {
    if (out == null) {
      return;
    }
    String m = method != null && METHOD.matcher(method).matches() ? method : "OTHER";
    out.accept("request_id=" + requestId + " method=" + m + " route=" + (route == null ? "-" : route)
        + " status=" + status + " events=" + events + " bytes_in=" + bytesIn + " bytes_out=" + bytesOut
        + " duration_ms=" + durationNanos / 1_000_000);
  }
}
