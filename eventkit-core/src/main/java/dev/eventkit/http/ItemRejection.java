package dev.eventkit.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.eventkit.internal.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * One event of a batch that was refused, by its index in the request. Immutable and thread-safe.
 *
 * @param index position in the request's batch (0 for a single event)
 * @param rejection why
 */
public record ItemRejection(int index, Rejection rejection) {

  /**
   * The most rejections an answer lists; the total is given beside them ({@code rejectedCount}). Without a bound,
   * 300 KB of {@code [{},{},…]} drew 9 MB of answer.
   */
  public static final int MAX_LISTED = 100;

  public ItemRejection {
    Objects.requireNonNull(rejection, "rejection");
  }

  /** The first {@link #MAX_LISTED} rejections as {@code [{"index", "code", "message", "field"}, …]}. */
  public static ArrayNode listJson(List<ItemRejection> rejected) {
    ArrayNode list = Json.array();
    for (ItemRejection r : rejected.subList(0, Math.min(rejected.size(), MAX_LISTED))) {
      list.add(r.rejection().errorJson().put("index", r.index()));
    }
    return list;
  }
}
