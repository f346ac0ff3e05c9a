package dev.eventkit.gcp.bigquery;

import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.InsertAllResponse;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.WriteResult;
import java.util.List;

/**
 * {@link WriteMode#INSERT_ALL}: one {@code tabledata.insertAll} request per batch, the event id as each row's
 * {@code insertId}. Thread-safe (stateless but for the table guard).
 */
final class InsertAllWriter implements RowWriter {

  private final TableGuard tables;

  InsertAllWriter(TableGuard tables) {
    this.tables = tables;
  }

  @Override
  public WriteResult write(List<Envelope> batch) {
    try {
      tables.ensure();
      InsertAllRequest.Builder request = InsertAllRequest.newBuilder(tables.table());
      for (Envelope e : batch) {
        request.addRow(e.id(), EnvelopeRow.toInsertAllRow(e));
      }
      InsertAllResponse response = tables.bigQuery().insertAll(request.build());
      if (!response.hasErrors()) {
        return WriteResult.success();
      }
      return WriteResult.partial(BigQueryFailures.insertErrors(response.getInsertErrors()));
    } catch (RuntimeException e) {
      tables.invalidate();
      return WriteResult.failed(BigQueryFailures.fromHttp(e));
    }
  }

  @Override
  public void close() {}
}
