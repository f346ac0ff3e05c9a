package dev.eventkit.testing;

import dev.eventkit.sink.InMemorySink;
import java.time.Duration;

/**
 * Entry point of eventkit's AssertJ assertions: {@code EventkitAssertions.assertThat(sink)} checks what an
 * {@link InMemorySink} holds now, and {@code .eventually()} waits for it instead of sleeping:
 *
 * <pre>{@code
 * EventkitAssertions.assertThat(sink).eventually().containsEventWithId("m1").hasSize(3);
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class EventkitAssertions {

  /** How long {@link SinkAssert#eventually()} waits: 10 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private EventkitAssertions() {}

  /** Assertions on what {@code sink} has received (replays included). */
  public static SinkAssert assertThat(InMemorySink sink) {
    return new SinkAssert(sink, Duration.ZERO);
  }
}
