/**
 * The event model: the {@link dev.eventkit.event.Envelope} every input produces and every sink receives, its
 * contexts, validation outcome and collector identity, and {@link dev.eventkit.event.EnvelopeCodec}, the envelope's
 * JSON form (the NDJSON line format of the file sinks).
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.event;
