package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import java.util.ArrayList;
import java.util.List;

/** Small factories of envelopes for tests. */
public final class Envelopes {
  private Envelopes() {}

  public static Envelope track(String id) {
    return Envelope.builder().id(id).protocol("segment")
        .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":\"" + id + "\"}}")
        .build();
  }

  public static List<Envelope> tracks(String prefix, int count) {
    List<Envelope> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(track(prefix + i));
    }
    return out;
  }
}
