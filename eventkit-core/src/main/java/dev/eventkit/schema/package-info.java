/**
 * JSON Schemas: a registry fed by sources (class path, directory, Iglu over HTTP), and the validator the pipeline
 * runs before appending.
 *
 * <p>Nullness: parameters and return values are non-null unless their documentation says they may be null.
 */
package dev.eventkit.schema;
