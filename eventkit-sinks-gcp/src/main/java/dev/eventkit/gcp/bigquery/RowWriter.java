package dev.eventkit.gcp.bigquery;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.WriteResult;
import java.util.List;

/**
 * One way of writing rows to the events table ({@link WriteMode}). Called from the sink's executor; each
 * implementation states its own thread-safety. Never throws for delivery errors: they are returned as failures.
 */
interface RowWriter extends AutoCloseable {

  /** Writes the batch and reports what became of each event; blocks until the service answered. */
  WriteResult write(List<Envelope> batch);

  @Override
  void close();
}
