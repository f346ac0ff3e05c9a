package dev.eventkit.http;

import dev.eventkit.event.Envelope;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link Input} made of a request: the envelopes to append to the log (valid, or already marked invalid by
 * the input itself), the events it refused one by one, and — when the request as a whole is refused — the
 * rejection to answer with. A whole-request rejection may still carry envelopes: a protocol violation is kept as a
 * failed event and answered with a 4xx.
 *
 * <p>Immutable and thread-safe.
 */
public final class Intake {

  private final List<Envelope> envelopes;
  private final List<ItemRejection> rejected;
  private final Rejection rejection;

  private Intake(List<Envelope> envelopes, List<ItemRejection> rejected, Rejection rejection) {
    this.envelopes = List.copyOf(envelopes);
    this.rejected = List.copyOf(rejected);
    this.rejection = rejection;
  }

  /** Envelopes to append, and events refused one by one. */
  public static Intake of(List<Envelope> envelopes, List<ItemRejection> rejected) {
    return new Intake(envelopes, rejected, null);
  }

  /** The whole request is refused; nothing is appended. */
  public static Intake rejected(Rejection rejection) {
    return new Intake(List.of(), List.of(), Objects.requireNonNull(rejection, "rejection"));
  }

  /** The whole request is refused, but the envelopes (failed events) are still kept. */
  public static Intake rejectedKeeping(Rejection rejection, List<Envelope> failedEvents) {
    return new Intake(failedEvents, List.of(), Objects.requireNonNull(rejection, "rejection"));
  }

  /** The same intake with other envelopes (the collector's additions to each, such as attributes). */
  Intake withEnvelopes(List<Envelope> replaced) {
    return new Intake(replaced, rejected, rejection);
  }

  public List<Envelope> envelopes() {
    return envelopes;
  }

  public List<ItemRejection> rejected() {
    return rejected;
  }

  /** The whole-request rejection, or null. */
  public Rejection rejection() {
    return rejection;
  }
}
