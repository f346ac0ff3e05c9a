package dev.eventkit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The last envelopes the collector's sinks delivered, kept in memory for the test page: each with the sink that
 * took it, its validation outcome and its lag (from receipt to delivery). Fed by {@link #tap wrapping} the sinks; a
 * bounded ring, so the oldest entries are forgotten. Only created when the test page is on: when it is off nothing
 * is recorded and nothing can be read.
 *
 * <p>Thread-safe. Recording never fails a delivery: the wrapped sink's result is passed on unchanged.
 */
final class RecentEnvelopes {

  private final int capacity;
  private final Clock clock;
  private final ArrayDeque<ObjectNode> entries = new ArrayDeque<>();
  private long sequence;

  RecentEnvelopes(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.clock = clock;
  }

  /** {@code sink}, recording each envelope it delivered successfully. */
  Sink tap(Sink sink) {
    return new Sink() {
      @Override
      public String name() {
        return sink.name();
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        return sink.write(batch).thenApply(result -> {
          if (result != null && result.batchFailure() == null) {
            Instant now = clock.instant();
            for (int i = 0; i < batch.size(); i++) {
              if (result.failureOf(i) == null) {
                record(sink.name(), batch.get(i), now);
              }
            }
          }
          return result;
        });
      }

      @Override
      public CompletableFuture<Void> flush() {
        return sink.flush();
      }

      @Override
      public CompletableFuture<Void> shutdown() {
        return sink.shutdown();
      }

      @Override
      public void close() {
        sink.close();
      }
    };
  }

  private synchronized void record(String sinkName, Envelope e, Instant deliveredAt) {
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    entry.put("seq", ++sequence);
    entry.put("sink", sinkName);
    entry.put("protocol", e.protocol());
    entry.put("stream", e.stream());
    entry.put("schema", e.schema());
    entry.put("receivedAt", e.receivedAt().toString());
    entry.put("lagMillis", Math.max(0, Duration.between(e.receivedAt(), deliveredAt).toMillis()));
    ObjectNode validation = entry.putObject("validation");
    validation.put("status", e.validation().status().name().toLowerCase(java.util.Locale.ROOT));
    if (e.validation().error() != null) {
      validation.put("error", e.validation().error().wireName());
      validation.put("message", e.validation().message());
    }
    ArrayNode contexts = entry.putArray("contexts");
    for (Entity c : e.contexts()) {
      contexts.add(c.schema());
    }
    // The event's own fields only: no envelope id, client address or user agent.
    JsonNode payload = e.payload();
    entry.set("payload", payload);
    entries.addLast(entry);
    while (entries.size() > capacity) {
      entries.removeFirst();
    }
  }

  /** The entries recorded after {@code afterSequence}, oldest first, as {@code {"last": n, "envelopes": […]}}. */
  synchronized ObjectNode since(long afterSequence) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("last", sequence);
    ArrayNode list = out.putArray("envelopes");
    for (ObjectNode e : entries) {
      if (e.path("seq").asLong() > afterSequence) {
        list.add(e);
      }
    }
    return out;
  }
}
