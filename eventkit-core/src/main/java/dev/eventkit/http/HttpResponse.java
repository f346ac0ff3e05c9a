package dev.eventkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response for the host to send: status, headers and body. Immutable and thread-safe (do not modify the body
 * array). Every error response the collector produces is JSON and never contains a stack trace.
 */
public final class HttpResponse {

  /** The smallest transparent GIF, answered by pixel routes. */
  private static final byte[] PIXEL =
      Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;

  private HttpResponse(int status, Map<String, String> headers, byte[] body) {
    this.status = status;
    this.headers = Map.copyOf(headers);
    this.body = body;
  }

  /** A JSON response. */
  public static HttpResponse json(int status, JsonNode body) {
    return new HttpResponse(status, Map.of("Content-Type", "application/json"),
        Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  /** A 1×1 transparent GIF that caches nowhere. */
  public static HttpResponse pixel() {
    return new HttpResponse(200, Map.of("Content-Type", "image/gif",
        "Cache-Control", "no-cache, no-store, must-revalidate"), PIXEL.clone());
  }

  /**
   * A response with a body of any type, for endpoints that answer in formats other than JSON (a metrics scrape,
   * plain text). The array is kept as it is: do not modify it afterwards.
   */
  public static HttpResponse of(int status, String contentType, byte[] body) {
    return new HttpResponse(status, Map.of("Content-Type", contentType), body);
  }

  /** A response with no body. */
  public static HttpResponse empty(int status) {
    return new HttpResponse(status, Map.of(), new byte[0]);
  }

  /** A copy with one more header (replacing one of the same name). */
  public HttpResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new HttpResponse(status, h, body);
  }

  public int status() {
    return status;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public String header(String name) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  public byte[] body() {
    return body;
  }

  /** The body as UTF-8 text, for tests and logs of non-payload responses. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
