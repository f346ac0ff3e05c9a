/**
 * Warehouse tables typed from the events' JSON Schemas: the JSON Schema to BigQuery mapping
 * ({@link dev.eventkit.gcp.bigquery.tables.SchemaMapping}), table and column naming
 * ({@link dev.eventkit.gcp.bigquery.tables.TableNames}), schema evolution
 * ({@link dev.eventkit.gcp.bigquery.tables.SchemaEvolution}), typed rows
 * ({@link dev.eventkit.gcp.bigquery.tables.TypedRows}) and the table manager that routes each event to its table
 * ({@link dev.eventkit.gcp.bigquery.tables.SchemaTables}). Used by the BigQuery loader and streaming sink when they
 * split events by schema.
 */
package dev.eventkit.gcp.bigquery.tables;
