package dev.eventkit.event;

/** The library's version, as recorded in envelopes and reported by health checks. */
final class EventkitVersion {
  public static final String VERSION = "0.1.0";

  private EventkitVersion() {}
}
