package dev.eventkit.gcp.bigquery;

/**
 * What one {@link BigQueryLoader#runOnce()} did. Immutable and thread-safe.
 *
 * @param ran false when another loader held the lease for this table, so this run did nothing
 * @param jobs load jobs finished (successfully or not) in this run, resumed ones included
 * @param objectsLoaded objects loaded by successful jobs in this run
 * @param objectsFailed objects BigQuery refused on their own; they are marked failed and not tried again
 * @param objectsSkipped objects not in {@link EnvelopeRow#gcsFormat()}, which the loader cannot load
 * @param jobsStillRunning jobs that did not finish within the job timeout; the next run resumes them
 */
public record LoadReport(boolean ran, int jobs, int objectsLoaded, int objectsFailed, int objectsSkipped,
    int jobsStillRunning) {

  static LoadReport notRun() {
    return new LoadReport(false, 0, 0, 0, 0, 0);
  }
}
