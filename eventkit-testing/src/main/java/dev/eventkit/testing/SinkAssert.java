package dev.eventkit.testing;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on the envelopes an {@link InMemorySink} received, replays included. Plain, each assertion
 * checks now; after {@link #eventually()} each waits until it holds, for at most the timeout, woken by every
 * delivery rather than polling.
 *
 * <p>Thread-safety: for the test's own thread; the sink may receive concurrently. Failure modes: an
 * {@link AssertionError} naming the expectation, what the sink holds (ids only), and the time waited.
 */
public final class SinkAssert extends AbstractAssert<SinkAssert, InMemorySink> {

  private final Duration timeout;

  SinkAssert(InMemorySink actual, Duration timeout) {
    super(actual, SinkAssert.class);
    this.timeout = timeout;
  }

  /** The same assertions, each waiting up to {@link EventkitAssertions#DEFAULT_TIMEOUT} until it holds. */
  public SinkAssert eventually() {
    return eventually(EventkitAssertions.DEFAULT_TIMEOUT);
  }

  /** The same assertions, each waiting up to {@code timeout} until it holds. */
  public SinkAssert eventually(Duration timeout) {
    isNotNull();
    return new SinkAssert(actual, Objects.requireNonNull(timeout, "timeout"));
  }

  /** The sink received an envelope with this id. */
  public SinkAssert containsEventWithId(String id) {
    return holds(l -> l.stream().anyMatch(e -> e.id().equals(id)), "an event with id <" + id + ">");
  }

  /** The sink received envelopes with all these ids. */
  public SinkAssert containsEventsWithIds(String... ids) {
    return holds(l -> List.of(ids).stream().allMatch(id -> l.stream().anyMatch(e -> e.id().equals(id))),
        "events with ids " + List.of(ids));
  }

  /** The sink received exactly {@code count} envelopes (replays count). */
  public SinkAssert hasSize(int count) {
    return holds(l -> l.size() == count, count + " events");
  }

  /** The sink received at least {@code count} envelopes. */
  public SinkAssert hasSizeAtLeast(int count) {
    return holds(l -> l.size() >= count, "at least " + count + " events");
  }

  /** The sink received an envelope that matches {@code condition}. */
  public SinkAssert anySatisfies(Predicate<Envelope> condition, String description) {
    return holds(l -> l.stream().anyMatch(condition), "an event that " + description);
  }

  private SinkAssert holds(Predicate<List<Envelope>> condition, String expected) {
    isNotNull();
    List<Envelope> seen;
    if (timeout.isZero()) {
      seen = actual.envelopes();
      if (condition.test(seen)) {
        return this;
      }
    } else {
      try {
        actual.await(condition, timeout);
        return this;
      } catch (TimeoutException e) {
        seen = actual.envelopes();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + expected, e);
      }
    }
    String within = timeout.isZero() ? "" : " within " + timeout.toMillis() + " ms";
    failWithMessage("Expected sink <%s> to have received %s%s, but it holds %d events with ids %s", actual.name(),
        expected, within, seen.size(), seen.stream().map(Envelope::id).limit(20).toList()
            + (seen.size() > 20 ? " …" : ""));
    return this;
  }
}
