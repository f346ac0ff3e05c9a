package dev.eventkit.event;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of checking an event against its schema: {@linkplain Status#VALID valid},
 * {@linkplain Status#INVALID invalid} with a typed error and violations, or {@linkplain Status#NOT_VALIDATED not
 * validated} when the pipeline has no validator. Only invalid events go to the invalid sink.
 *
 * <p>Immutable and thread-safe.
 *
 * @param status the outcome
 * @param error why the event is invalid; null unless {@code status} is {@link Status#INVALID}
 * @param message a summary of the failure; null unless invalid
 * @param violations each failed rule; empty unless invalid
 */
public record Validation(Status status, ValidationError error, String message, List<Violation> violations) {

  /** The three outcomes. */
  public enum Status {
    VALID, INVALID, NOT_VALIDATED
  }

  private static final Validation VALID = new Validation(Status.VALID, null, null, List.of());
  private static final Validation NOT_VALIDATED = new Validation(Status.NOT_VALIDATED, null, null, List.of());

  public Validation {
    Objects.requireNonNull(status, "status");
    violations = List.copyOf(violations);
    if ((status == Status.INVALID) != (error != null)) {
      throw new IllegalArgumentException("an error is given exactly when the status is INVALID");
    }
  }

  public static Validation valid() {
    return VALID;
  }

  public static Validation notValidated() {
    return NOT_VALIDATED;
  }

  public static Validation invalid(ValidationError error, String message, List<Violation> violations) {
    return new Validation(Status.INVALID, Objects.requireNonNull(error, "error"), message, violations);
  }

  public boolean isInvalid() {
    return status == Status.INVALID;
  }
}
