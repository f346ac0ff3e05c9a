package dev.eventkit.sink;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What became of each event of a batch handed to {@link Sink#write}: all delivered, all failed for one reason, or
 * some failed, each for its own reason (by index in the batch).
 *
 * <p>Immutable and thread-safe.
 */
public final class WriteResult {

  private static final WriteResult SUCCESS = new WriteResult(null, Map.of());

  private final Failure all;
  private final Map<Integer, Failure> byIndex;

  private WriteResult(Failure all, Map<Integer, Failure> byIndex) {
    this.all = all;
    this.byIndex = byIndex;
  }

  /** Every event was delivered. */
  public static WriteResult success() {
    return SUCCESS;
  }

  /** No event was delivered, for one reason. */
  public static WriteResult failed(Failure failure) {
    return new WriteResult(Objects.requireNonNull(failure, "failure"), Map.of());
  }

  /** Some events failed, each for its own reason; indices not named were delivered. */
  public static WriteResult partial(Map<Integer, Failure> failuresByIndex) {
    if (failuresByIndex.isEmpty()) {
      return SUCCESS;
    }
    return new WriteResult(null, Collections.unmodifiableMap(new TreeMap<>(failuresByIndex)));
  }

  /** True when every event was delivered. */
  public boolean isSuccess() {
    return all == null && byIndex.isEmpty();
  }

  /** The failure of the event at {@code index}, or null when it was delivered. */
  public Failure failureOf(int index) {
    return all != null ? all : byIndex.get(index);
  }

  /** The whole-batch failure, or null when the result is per event. */
  public Failure batchFailure() {
    return all;
  }

  @Override
  public String toString() {
    if (isSuccess()) {
      return "WriteResult{success}";
    }
    return all != null ? "WriteResult{failed: " + all.reason() + "}" : "WriteResult{" + byIndex.size() + " failed}";
  }
}
