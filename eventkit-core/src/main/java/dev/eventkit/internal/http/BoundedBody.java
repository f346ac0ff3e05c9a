package dev.eventkit.internal.http;

import dev.eventkit.http.Collector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body for a host adapter without trusting its size: at most the collector's limit plus one byte,
 * so that an oversized body is detected (and answered 413 by the collector) without being buffered whole.
 * Stateless and thread-safe.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class BoundedBody {

  private BoundedBody() {}

  /** Reads up to {@code collector.maxBodyBytes() + 1} bytes; a longer body is cut there. */
  public static byte[] read(InputStream in, Collector collector) throws IOException {
    int limit = collector.maxBodyBytes() + 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
    byte[] buf = new byte[8192];
    int n;
    while (out.size() < limit && (n = in.read(buf, 0, Math.min(buf.length, limit - out.size()))) > 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
