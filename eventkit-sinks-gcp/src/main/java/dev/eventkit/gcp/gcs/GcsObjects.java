package dev.eventkit.gcp.gcs;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.eventkit.event.Envelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the content of the sink's objects: NDJSON, gzip-compressed. Objects are stored with
 * {@code Content-Encoding: gzip}, so a download may arrive compressed or already decompressed (GCS transcodes for
 * clients that do not accept gzip); {@link #decode} accepts both.
 *
 * <p>Stateless and thread-safe. Storage errors surface as the client's {@code StorageException}; content that is
 * not in the given format raises {@link IllegalArgumentException}.
 */
public final class GcsObjects {

  private GcsObjects() {}

  /** Downloads one object and decodes its envelopes, in order. */
  public static List<Envelope> read(Storage storage, BlobId object, GcsFormat format) {
    return decode(storage.readAllBytes(object), format);
  }

  /** Decodes an object's stored bytes (gzip or plain NDJSON) into envelopes, in order. */
  public static List<Envelope> decode(byte[] stored, GcsFormat format) {
    byte[] plain = isGzip(stored) ? gunzip(stored) : stored;
    List<Envelope> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= plain.length; i++) {
      if (i == plain.length || plain[i] == '\n') {
        if (i > start) {
          out.add(format.read(Arrays.copyOfRange(plain, start, i)));
        }
        start = i + 1;
      }
    }
    return out;
  }

  /** Encodes envelopes as uncompressed NDJSON, one line each, every line ending in a newline. */
  static byte[] encode(List<Envelope> envelopes, GcsFormat format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 * envelopes.size());
    try {
      for (Envelope e : envelopes) {
        format.write(e, out);
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gzip(byte[] plain) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static boolean isGzip(byte[] b) {
    return b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
  }

  private static byte[] gunzip(byte[] gz) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalArgumentException("object is not valid gzip", e);
    }
  }
}
