package dev.eventkit.gcp.bigquery.tables;

/**
 * A schema that cannot become a table, or a value that does not fit its column. The message names the schema
 * feature or the column, never a value. Events meeting it go to the raw events table.
 */
public final class UnmappableException extends Exception {

  private static final long serialVersionUID = 1L;

  public UnmappableException(String message) {
    super(message);
  }
}
