package dev.eventkit.http;

import java.util.Objects;

/**
 * One event of a batch that was refused, by its index in the request. Immutable and thread-safe.
 *
 * @param index position in the request's batch (0 for a single event)
 * @param rejection why
 */
public record ItemRejection(int index, Rejection rejection) {
  public ItemRejection {
    Objects.requireNonNull(rejection, "rejection");
  }
}
