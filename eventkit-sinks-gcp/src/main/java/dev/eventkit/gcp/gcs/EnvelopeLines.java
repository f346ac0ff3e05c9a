package dev.eventkit.gcp.gcs;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.OutputStream;

/** {@link GcsFormat#envelopes()}: one {@link EnvelopeCodec} object a line. Stateless and thread-safe. */
final class EnvelopeLines implements GcsFormat {

  static final EnvelopeLines INSTANCE = new EnvelopeLines();

  private EnvelopeLines() {}

  @Override
  public String name() {
    return "envelope-v" + EnvelopeCodec.FORMAT_VERSION;
  }

  @Override
  public void write(Envelope envelope, OutputStream out) {
    EnvelopeCodec.writeTo(envelope, out);
  }

  @Override
  public Envelope read(byte[] line) {
    return EnvelopeCodec.decode(line);
  }

  @Override
  public String toString() {
    return name();
  }
}
