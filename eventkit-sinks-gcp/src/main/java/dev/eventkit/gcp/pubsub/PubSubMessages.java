package dev.eventkit.gcp.pubsub;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Pub/Sub form of an envelope, written by {@link PubSubSink} and {@link PubSubQueue} and read by the queue's
 * workers: the data is the envelope's {@link EnvelopeCodec} JSON (everything, payload included), and a few
 * attributes repeat what subscribers may want to filter or route on without parsing the data.
 *
 * <p>Attributes: {@value #EVENT_ID}, {@value #PROTOCOL}, {@value #STREAM}, {@value #SCHEMA} (absent when the
 * event claims none), {@value #VALIDATION} ({@code valid}, {@code invalid} or {@code not_validated}) and
 * {@value #ENVELOPE_VERSION}. Pub/Sub limits attribute values to 1024 bytes; a longer id or schema URI is left out
 * of the attributes (it is still in the data).
 *
 * <p>Stateless and thread-safe. {@link #toEnvelope} throws {@link IllegalArgumentException} for a message that is
 * not an envelope of a known version.
 */
public final class PubSubMessages {

  public static final String EVENT_ID = "event_id";
  public static final String PROTOCOL = "protocol";
  public static final String STREAM = "stream";
  public static final String SCHEMA = "schema";
  public static final String VALIDATION = "validation";
  public static final String ENVELOPE_VERSION = "envelope_version";

  private static final int MAX_ATTRIBUTE_VALUE_BYTES = 1024;

  private PubSubMessages() {}

  /** The message for an envelope; {@code orderingKey} may be null (no ordering). */
  public static PubsubMessage toMessage(Envelope e, String orderingKey) {
    PubsubMessage.Builder m = PubsubMessage.newBuilder()
        .setData(ByteString.copyFrom(EnvelopeCodec.encode(e)));
    putAttribute(m, EVENT_ID, e.id());
    putAttribute(m, PROTOCOL, e.protocol());
    putAttribute(m, STREAM, e.stream());
    putAttribute(m, SCHEMA, e.schema());
    putAttribute(m, VALIDATION, e.validation().status().name().toLowerCase(Locale.ROOT));
    m.putAttributes(ENVELOPE_VERSION, Integer.toString(EnvelopeCodec.FORMAT_VERSION));
    if (orderingKey != null && !orderingKey.isEmpty()) {
      m.setOrderingKey(orderingKey);
    }
    return m.build();
  }

  private static void putAttribute(PubsubMessage.Builder m, String key, String value) {
    if (value != null && !value.isEmpty()
        && value.getBytes(StandardCharsets.UTF_8).length <= MAX_ATTRIBUTE_VALUE_BYTES) {
      m.putAttributes(key, value);
    }
  }

  /** The envelope a message carries. */
  public static Envelope toEnvelope(PubsubMessage message) {
    return EnvelopeCodec.decode(message.getData().toByteArray());
  }
}
