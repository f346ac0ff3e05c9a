package dev.eventkit.event;

import java.util.Objects;

/**
 * Names the collector that received an event, recorded in every envelope so that a warehouse row can be traced to
 * the software (and version) that accepted it.
 *
 * <p>Immutable and thread-safe.
 */
public record CollectorInfo(String name, String version) {

  /** This library's own name and version. */
  public static final CollectorInfo DEFAULT = new CollectorInfo("eventkit-java", EventkitVersion.VERSION);

  public CollectorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
  }
}
