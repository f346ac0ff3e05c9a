package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * Small, valid envelopes for tests: a Segment {@code track} event whose id is given and whose payload names it.
 * Stateless and thread-safe.
 */
public final class TestEvents {

  private TestEvents() {}

  /** One {@code track} envelope with this id. */
  public static Envelope track(String id) {
    return Envelope.builder().id(id).protocol("segment")
        .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":\"" + id + "\"}}")
        .build();
  }

  /** {@code count} envelopes with ids {@code prefix0}, {@code prefix1}, … */
  public static List<Envelope> tracks(String prefix, int count) {
    List<Envelope> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(track(prefix + i));
    }
    return out;
  }
}
