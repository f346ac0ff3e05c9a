package dev.eventkit.kafka;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka form of an envelope, written by {@link KafkaSink} (and so by {@link KafkaQueue}'s publishers) and read
 * by the queue's workers: the value is the envelope's {@link EnvelopeCodec} JSON (everything, payload included),
 * the key is chosen by the sink ({@link KafkaKeys}), and headers repeat what consumers may route or filter on
 * without parsing the value.
 *
 * <p>Headers (UTF-8 values): {@value #EVENT_ID}, {@value #STREAM}, {@value #SCHEMA} (absent when the event claims
 * none), {@value #PROTOCOL}, {@value #VALIDATION} ({@code valid}, {@code invalid} or {@code not_validated}) and
 * {@value #ENVELOPE_VERSION}.
 *
 * <p>Stateless and thread-safe. {@link #toEnvelope} throws {@link IllegalArgumentException} for a record that is
 * not an envelope of a known version.
 */
public final class KafkaRecords {

  public static final String EVENT_ID = "eventkit-id";
  public static final String STREAM = "eventkit-stream";
  public static final String SCHEMA = "eventkit-schema";
  public static final String PROTOCOL = "eventkit-protocol";
  public static final String VALIDATION = "eventkit-validation";
  public static final String ENVELOPE_VERSION = "eventkit-envelope-version";

  private KafkaRecords() {}

  /** The record for an envelope on {@code topic}; {@code key} may be null (the producer then spreads records). */
  public static ProducerRecord<String, byte[]> toRecord(String topic, String key, Envelope e) {
    Headers headers = new RecordHeaders();
    put(headers, EVENT_ID, e.id());
    put(headers, STREAM, e.stream());
    put(headers, SCHEMA, e.schema());
    put(headers, PROTOCOL, e.protocol());
    put(headers, VALIDATION, e.validation().status().name().toLowerCase(Locale.ROOT));
    put(headers, ENVELOPE_VERSION, Integer.toString(EnvelopeCodec.FORMAT_VERSION));
    return new ProducerRecord<>(topic, null, key, EnvelopeCodec.encode(e), headers);
  }

  private static void put(Headers headers, String name, String value) {
    if (value != null && !value.isEmpty()) {
      headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A header's value as text, or null when the record has none of that name. */
  public static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** The envelope a record carries. */
  public static Envelope toEnvelope(ConsumerRecord<?, byte[]> record) {
    if (record.value() == null) {
      throw new IllegalArgumentException("record has no value");
    }
    return EnvelopeCodec.decode(record.value());
  }
}
