package dev.eventkit.input.segment;

import java.util.Locale;
import java.util.Optional;

/** The kinds of event in the Segment spec, plus self-describing {@code {schema, data}} events. */
enum SegmentEventType {
  TRACK, IDENTIFY, PAGE, SCREEN, GROUP, ALIAS, SELF_DESCRIBING;

  /** The wire name: {@code track}, …, {@code self_describing}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Looks up a wire name; empty for anything unknown (including a differently-cased name). */
  public static Optional<SegmentEventType> fromWireName(String wireName) {
    for (SegmentEventType t : values()) {
      if (t.wireName().equals(wireName)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
