package dev.eventkit.gcp.gcs;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.IOException;
import java.io.OutputStream;

/**
 * How an envelope becomes one line of an NDJSON object, and back. The format's {@link #name()} is stored with each
 * object (metadata {@value #METADATA_KEY}), so readers such as the BigQuery loader can tell which objects they
 * understand.
 *
 * <p>Built in: {@link #envelopes()} (the project's wire form, {@link EnvelopeCodec}) and, in the BigQuery package,
 * the warehouse row form that load jobs read. Implementations must be stateless, thread-safe and deterministic:
 * the same envelope always gives the same bytes, because object names derive from object content.
 */
public interface GcsFormat {

  /** The object metadata key holding the format's name. */
  String METADATA_KEY = "eventkit-format";

  /** A short stable name, such as {@code envelope-v1}. */
  String name();

  /** Writes one envelope as a single line of JSON, without the trailing newline. */
  void write(Envelope envelope, OutputStream out) throws IOException;

  /**
   * Reads one line written by {@link #write}.
   *
   * @throws IllegalArgumentException when the line is not in this format
   */
  Envelope read(byte[] line);

  /** The project's envelope wire form ({@link EnvelopeCodec}, format name {@code envelope-v1}). */
  static GcsFormat envelopes() {
    return EnvelopeLines.INSTANCE;
  }
}
