package dev.eventkit.gcp.bigquery;

import com.google.auth.Credentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.TableName;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams envelopes into a BigQuery table as rows ({@link EnvelopeRow}): through the Storage Write API's default
 * stream (the default), a committed stream with offsets, or {@code insertAll}; see {@link WriteMode} for what each
 * guarantees on replay. The dataset and table are created on demand (partitioned by day of {@code received_at}),
 * and again after they vanished.
 *
 * <p>A write completes once BigQuery acknowledged the rows (they are then committed and queryable). Rows the
 * service refuses individually fail permanently by index (the others are appended once more within the same
 * write); throttling, timeouts, UNAVAILABLE, server and network errors are retryable with the service's delay hint;
 * see {@code BigQueryFailures}.
 *
 * <p>With a schema registry ({@link Builder#schemas}) valid events go to a table per schema, typed from it, and
 * the others to the raw table ({@code SchemaSplitWriter}, {@link dev.eventkit.gcp.bigquery.tables.SchemaTables}).
 *
 * <p>Thread-safe. Writes run on the sink's own threads ({@code parallelism} of them; one for
 * {@link WriteMode#COMMITTED_STREAM}, whose appends are serial). Never logs payloads or event ids.
 */
public final class BigQueryStreamingSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(BigQueryStreamingSink.class);

  private final String name;
  private final WriteMode mode;
  private final TableId table;
  private final RowWriter writer;
  private final WriteApi writeApi;
  private final ExecutorService executor;

  private BigQueryStreamingSink(String name, WriteMode mode, TableId table, RowWriter writer, WriteApi writeApi,
      int threads) {
    this.name = name;
    this.mode = mode;
    this.table = table;
    this.writer = writer;
    this.writeApi = writeApi;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "eventkit-bigquery-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder for a sink writing to {@code dataset.table}. */
  public static Builder builder(String dataset, String table) {
    return new Builder(dataset, table);
  }

  @Override
  public String name() {
    return name;
  }

  /** How rows are written. */
  public WriteMode mode() {
    return mode;
  }

  /** The table written to. */
  public TableId table() {
    return table;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(WriteResult.success());
    }
    List<Envelope> copy = List.copyOf(batch);
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return writer.write(copy);
        } catch (RuntimeException e) {
          LOG.warn("bigquery sink {}: unexpected error: {}", name, e.getClass().getSimpleName());
          return WriteResult.failed(Failure.retryable("BigQuery write failed: " + e.getClass().getSimpleName()));
        }
      }, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("bigquery sink is closed")));
    }
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      writer.close();
    } catch (RuntimeException e) {
      LOG.debug("bigquery sink {}: closing the writer failed: {}", name, e.toString());
    }
    if (writeApi != null) {
      writeApi.close();
    }
  }

  /**
   * Configures a {@link BigQueryStreamingSink}; not thread-safe. Connection: Application Default Credentials and
   * their project, unless {@link #projectId}, {@link #credentials}, emulator hosts or a ready {@link #bigQuery}
   * client are given. With an emulator, the Storage Write API modes need its gRPC address
   * ({@link #writeApiEmulatorHost}). Defaults: name {@code bigquery}, {@link WriteMode#DEFAULT_STREAM}, tables
   * created on demand, 4 threads, appends timing out after 45 s, unsettled committed-stream batches awaited for
   * 2 minutes.
   */
  public static final class Builder {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]{1,1024}");

    private final String dataset;
    private final String table;
    private String name = "bigquery";
    private WriteMode mode = WriteMode.DEFAULT_STREAM;
    private String projectId;
    private String emulatorHost;
    private String writeApiEmulatorHost;
    private Credentials credentials;
    private BigQuery bigQuery;
    private String location;
    private boolean createTable = true;
    private int parallelism = 4;
    private Duration appendTimeout = Duration.ofSeconds(45);
    private Duration settleTimeout = Duration.ofMinutes(2);
    private Boolean connectionPerAppend;
    private SchemaRegistry schemas;
    private SchemaTables schemaTables;
    private boolean splitBySchema = true;

    private Builder(String dataset, String table) {
      this.dataset = Objects.requireNonNull(dataset, "dataset");
      this.table = Objects.requireNonNull(table, "table");
    }

    /** The sink's name, which names its cursor in the log. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    public Builder mode(WriteMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public Builder projectId(String projectId) {
      this.projectId = Objects.requireNonNull(projectId, "projectId");
      return this;
    }

    /** A BigQuery emulator's REST address, such as {@code http://127.0.0.1:9050}; connects without credentials. */
    public Builder emulatorHost(String host) {
      this.emulatorHost = Objects.requireNonNull(host, "emulatorHost");
      return this;
    }

    /** The emulator's Storage Write API (plaintext gRPC) address, such as {@code 127.0.0.1:9060}. */
    public Builder writeApiEmulatorHost(String host) {
      this.writeApiEmulatorHost = Objects.requireNonNull(host, "writeApiEmulatorHost");
      return this;
    }

    /** Explicit credentials instead of Application Default Credentials. */
    public Builder credentials(Credentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** A ready REST client (tables, insertAll), used as is. */
    public Builder bigQuery(BigQuery bigQuery) {
      this.bigQuery = Objects.requireNonNull(bigQuery, "bigQuery");
      return this;
    }

    /** The location of a dataset the sink creates, such as {@code EU}. */
    public Builder location(String location) {
      this.location = Objects.requireNonNull(location, "location");
      return this;
    }

    /** Whether a missing dataset and table are created (default true); if not, writes fail retryably. */
    public Builder createTable(boolean create) {
      this.createTable = create;
      return this;
    }

    /** Writes in flight at once (ignored by {@link WriteMode#COMMITTED_STREAM}, which appends serially). */
    public Builder parallelism(int threads) {
      this.parallelism = threads;
      return this;
    }

    /** How long one append may take; keep it below the pipeline's write timeout (60 s by default). */
    public Builder appendTimeout(Duration timeout) {
      this.appendTimeout = Objects.requireNonNull(timeout, "appendTimeout");
      return this;
    }

    /** How long a committed stream waits for the retry of an unsettled batch before opening a new stream. */
    public Builder settleTimeout(Duration timeout) {
      this.settleTimeout = Objects.requireNonNull(timeout, "settleTimeout");
      return this;
    }

    /** Whether each Write API append opens its own connection; by default only against an emulator. */
    Builder connectionPerAppend(boolean perAppend) {
      this.connectionPerAppend = perAppend;
      return this;
    }

    /**
     * The registry whose schemas type the per-schema tables: with it, valid events naming an Iglu schema go to
     * that schema's table in the same dataset ({@code com_acme_checkout_1}, see {@link SchemaTables}); the others
     * stay in the raw table. Without it every event goes to the raw table.
     */
    public Builder schemas(SchemaRegistry registry) {
      this.schemas = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Like {@link #schemas}, with a configured table manager (table prefix, project, refusal memory). */
    public Builder schemaTables(SchemaTables tables) {
      this.schemaTables = Objects.requireNonNull(tables, "tables");
      return this;
    }

    /** Whether events are split into per-schema tables when {@link #schemas} is given (default true). */
    public Builder splitBySchema(boolean split) {
      this.splitBySchema = split;
      return this;
    }

    /** The raw writer, or a {@link SchemaSplitWriter} around it when events are split by schema. */
    private RowWriter split(RowWriter raw, BigQuery rest, WriteApi api, String project, boolean emulated) {
      if ((schemas == null && schemaTables == null) || !splitBySchema) {
        return raw;
      }
      SchemaTables tables = schemaTables != null ? schemaTables
          : SchemaTables.builder(rest, dataset, schemas).project(project).location(location).build();
      return new SchemaSplitWriter(raw, new TypedTableWriter(rest, api, appendTimeout, emulated), tables);
    }

    /** Builds the sink; throws {@link IllegalArgumentException} or {@link IllegalStateException} naming a problem. */
    public BigQueryStreamingSink build() {
      if (!ID.matcher(dataset).matches() || !ID.matcher(table).matches()) {
        throw new IllegalArgumentException("dataset and table must be letters, digits and underscores");
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (parallelism < 1 || parallelism > 64) {
        throw new IllegalArgumentException("parallelism must be between 1 and 64");
      }
      if (appendTimeout.isNegative() || appendTimeout.isZero() || settleTimeout.isNegative()) {
        throw new IllegalArgumentException("appendTimeout must be positive and settleTimeout not negative");
      }
      if (bigQuery != null && (emulatorHost != null || credentials != null)) {
        throw new IllegalStateException("give either a BigQuery client or emulatorHost/credentials, not both");
      }
      boolean writeApi = mode != WriteMode.INSERT_ALL;
      if (writeApi && emulatorHost != null && writeApiEmulatorHost == null) {
        throw new IllegalStateException("mode " + mode + " uses the Storage Write API: with an emulator, set "
            + "writeApiEmulatorHost (its gRPC address) or use WriteMode.INSERT_ALL");
      }
      BigQuery rest = bigQuery != null ? bigQuery
          : BigQueryClients.connect(projectId, emulatorHost, credentials, location);
      String project = projectId != null ? projectId : rest.getOptions().getProjectId();
      if (project == null) {
        throw new IllegalStateException("no project: set projectId or configure Application Default Credentials");
      }
      TableId tableId = TableId.of(project, dataset, table);
      TableGuard guard = new TableGuard(rest, tableId, location, createTable);
      if (!writeApi) {
        return new BigQueryStreamingSink(name, mode, tableId, split(new InsertAllWriter(guard), rest, null, project,
            false), null, parallelism);
      }
      WriteApi api;
      try {
        api = WriteApi.connect(writeApiEmulatorHost, credentials, appendTimeout);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the BigQuery Storage Write API client", e);
      }
      TableName tableName = TableName.of(project, dataset, table);
      // The emulator routes a connection's follow-up requests to an arbitrary stream: one connection per append.
      boolean emulated = connectionPerAppend != null ? connectionPerAppend : writeApiEmulatorHost != null;
      if (mode == WriteMode.COMMITTED_STREAM) {
        return new BigQueryStreamingSink(name, mode, tableId,
            split(new CommittedStreamWriter(api, guard, tableName, appendTimeout, settleTimeout, emulated), rest, api,
                project, emulated), api, 1);
      }
      return new BigQueryStreamingSink(name, mode, tableId,
          split(new DefaultStreamWriter(api, guard, tableName, appendTimeout, emulated), rest, api, project,
              emulated), api, parallelism);
    }
  }
}
