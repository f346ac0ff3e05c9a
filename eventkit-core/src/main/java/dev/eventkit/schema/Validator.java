package dev.eventkit.schema;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;

/**
 * Checks an envelope's payload and contexts against the schemas they claim, before the envelope is appended to
 * the log. The outcome is recorded in the envelope; invalid envelopes are kept and routed to the invalid sink.
 *
 * <p>Thread-safety: called concurrently from request threads. Failure modes: return an invalid {@link Validation}
 * for anything wrong with the event or its schema (including a schema that cannot be fetched); an exception is
 * treated as {@code schema_invalid} by the pipeline, never as valid.
 */
@FunctionalInterface
public interface Validator {
  Validation validate(Envelope envelope);
}
