package dev.eventkit.internal.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bound on the distinct values one metric tag takes: the first {@code limit} values seen pass through, every
 * later one is reported as {@link #OTHER}. Tag values such as stream names and HTTP methods come from requests, so
 * without a bound a client could create one time series per request.
 *
 * <p><b>Not API.</b> Thread-safe; a value already admitted costs one concurrent-set lookup. Two racing first uses
 * may admit a few values beyond the limit, which is harmless.
 */
public final class TagValues {

  /** The value reported for every tag value beyond the limit. */
  public static final String OTHER = "_other";

  /** The default bound: far above a deployment's real streams, sinks and codes, far below a flood. */
  public static final int DEFAULT_LIMIT = 200;

  private final int limit;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  /** A bound of {@code limit} distinct values; throws {@link IllegalArgumentException} unless it is positive. */
  public TagValues(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    this.limit = limit;
  }

  /** {@code value} when it was admitted (now or before), otherwise {@link #OTHER}. */
  public String bound(String value) {
    if (admitted.contains(value)) {
      return value;
    }
    if (admitted.size() >= limit) {
      return OTHER;
    }
    admitted.add(value);
    return value;
  }
}
