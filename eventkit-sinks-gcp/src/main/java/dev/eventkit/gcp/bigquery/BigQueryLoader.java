package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.Credentials;
import com.google.cloud.BaseServiceException;
import com.google.cloud.RetryOption;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.LoadJobConfiguration;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse loader: loads the objects a {@code GcsSink} wrote (in {@link EnvelopeRow#gcsFormat()}) into a
 * BigQuery table with load jobs, on an interval, so that each object is loaded exactly once.
 *
 * <p><b>State</b>, kept in the same bucket under {@code statePrefix} (default
 * {@code _eventkit/loads/<dataset>.<table>}), so it lives and dies with the data it describes:
 * <ul>
 *   <li>{@code loaded/<object name>}: an empty marker per loaded object (metadata: the job id).
 *   <li>{@code failed/<object name>}: a marker per object BigQuery refused on its own (metadata: the reason);
 *       it is not tried again. Delete the marker to retry it.
 *   <li>{@code jobs/<job id>.json}: a manifest naming a job's objects, written before the job is created and
 *       deleted after the markers. A run first finishes every manifest left by an interrupted run: it looks the
 *       job up by its id (creating it only if BigQuery never saw it), waits for it, then writes the markers. So a
 *       crash at any point neither loses an object nor loads one twice.
 *   <li>{@code lease}: one loader per table at a time. Every collector may run a loader; the one holding the
 *       lease (an object created if absent, renewed before each job, taken over only after it expired) works,
 *       the others skip the run.
 * </ul>
 * Objects are immutable (their names are content digests), so a marker stays true. Only the day partitions
 * ({@code dt=}) within {@code lookbackDays} of today are listed each run; a loader stopped for longer needs a
 * larger lookback once.
 *
 * <p><b>Failures.</b> A job that fails is retried as one job per object, and an object that fails alone is marked
 * failed (reason code logged, never its content). Errors reaching BigQuery or GCS, and a job request refused as
 * {@code invalid} (a configuration problem, such as a table whose schema differs), abort the run and leave the
 * manifests for the next one. Load jobs are atomic per job, so a failed job added no rows.
 *
 * <p><b>Typed tables.</b> With a schema registry ({@link Builder#schemas}) each object is first split by schema
 * into one object per destination table, which per-table loaders load with a load job per table; see
 * {@code SchemaSplitLoad} and {@link dev.eventkit.gcp.bigquery.tables.SchemaTables}.
 *
 * <p>Thread-safe: runs are serialised. {@link #runOnce()} may be called directly (from a cron job, a test);
 * {@link #start()} runs it every {@code interval} on a daemon thread.
 */
public final class BigQueryLoader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BigQueryLoader.class);
  private static final int MAX_URIS_PER_JOB = 10_000;

  private final Storage storage;
  private final boolean ownsStorage;
  private final BigQuery bigQuery;
  private final String bucket;
  private final String prefix;
  private final String statePrefix;
  private final TableId table;
  private final String location;
  private final Duration interval;
  private final int lookbackDays;
  private final int maxObjectsPerJob;
  private final Duration jobTimeout;
  private final Duration leaseDuration;
  private final Clock clock;
  private final String objectFormat;
  private final boolean ensureEventsTable;
  private final SchemaSplitLoad split;
  private final String owner = UUID.randomUUID().toString();
  private ScheduledExecutorService schedule;
  private long leaseGeneration;

  private BigQueryLoader(Builder b, Storage storage, boolean ownsStorage, BigQuery bigQuery) {
    this.storage = storage;
    this.ownsStorage = ownsStorage;
    this.bigQuery = bigQuery;
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.statePrefix = b.statePrefix != null ? b.statePrefix : "_eventkit/loads/" + b.dataset + "." + b.table;
    this.table = b.projectId != null ? TableId.of(b.projectId, b.dataset, b.table) : TableId.of(b.dataset, b.table);
    this.location = b.location;
    this.interval = b.interval;
    this.lookbackDays = b.lookbackDays;
    this.maxObjectsPerJob = b.maxObjectsPerJob;
    this.jobTimeout = b.jobTimeout;
    this.leaseDuration = b.jobTimeout.multipliedBy(2).plusMinutes(1);
    this.clock = b.clock;
    this.objectFormat = b.objectFormat;
    this.ensureEventsTable = b.ensureEventsTable;
    this.split = b.splitLoad(this, storage, bigQuery);
  }

  /** A builder for a loader of the objects under {@code bucket} into {@code dataset.table}. */
  public static Builder builder(String bucket, String dataset, String table) {
    return new Builder(bucket, dataset, table);
  }

  /** The table loaded into. */
  public TableId table() {
    return table;
  }

  /** Where the loader keeps its markers, manifests and lease. */
  public String statePrefix() {
    return statePrefix;
  }

  /** Starts running {@link #runOnce()} now and then every {@code interval}. */
  public synchronized BigQueryLoader start() {
    if (schedule == null) {
      schedule = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "eventkit-bigquery-loader-" + table.getTable());
        t.setDaemon(true);
        return t;
      });
      schedule.scheduleWithFixedDelay(this::runLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void runLogged() {
    try {
      LoadReport r = runOnce();
      if (r.jobs() > 0) {
        LOG.info("loader {}.{}: {} object(s) loaded, {} failed, in {} job(s)", table.getDataset(),
            table.getTable(), r.objectsLoaded(), r.objectsFailed(), r.jobs());
      }
    } catch (RuntimeException e) {
      LOG.warn("loader {}.{}: run failed, the next run resumes: {}", table.getDataset(), table.getTable(),
          describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Finishes interrupted jobs, then loads every object not yet loaded.
   *
   * @throws RuntimeException a BigQuery or Storage client error that aborted the run; nothing is lost, the next
   *     run resumes
   * @throws InterruptedException when interrupted while waiting for a job; the next run resumes it
   */
  public synchronized LoadReport runOnce() throws InterruptedException {
    if (!acquireLease()) {
      return LoadReport.notRun();
    }
    try {
      if (split != null) {
        return split.run();
      }
      if (ensureEventsTable) {
        EventsTables.ensure(bigQuery, table, location);
      }
      Counts counts = new Counts();
      for (Blob manifest : storage.list(bucket, Storage.BlobListOption.prefix(statePrefix + "/jobs/")).iterateAll()) {
        resume(manifest, counts);
      }
      List<String> pending = pendingObjects(counts);
      for (int from = 0; from < pending.size(); from += maxObjectsPerJob) {
        load(pending.subList(from, Math.min(pending.size(), from + maxObjectsPerJob)), counts);
      }
      return new LoadReport(true, counts.jobs, counts.loaded, counts.failed, counts.skipped, counts.running);
    } finally {
      releaseLease();
    }
  }

  private static final class Counts {
    int jobs;
    int loaded;
    int failed;
    int skipped;
    int running;
  }

  /** Data objects in the lookback window that have neither a loaded nor a failed marker, sorted by name. */
  private List<String> pendingObjects(Counts counts) {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    Set<String> done = new HashSet<>();
    List<Blob> candidates = new ArrayList<>();
    for (LocalDate d = today.minusDays(lookbackDays); !d.isAfter(today.plusDays(1)); d = d.plusDays(1)) {
      String day = GcsLayout.dayPrefix(prefix, d);
      for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(day)).iterateAll()) {
        if (b.getName().endsWith(GcsLayout.SUFFIX)) {
          candidates.add(b);
        }
      }
      // "routed": split by schema while splitting was on; its events are loaded from the split objects.
      for (String kind : List.of("/loaded/", "/failed/", "/routed/")) {
        String markers = statePrefix + kind;
        for (Blob m : storage.list(bucket, Storage.BlobListOption.prefix(markers + day)).iterateAll()) {
          done.add(m.getName().substring(markers.length()));
        }
      }
    }
    List<String> pending = new ArrayList<>();
    for (Blob b : candidates) {
      if (done.contains(b.getName())) {
        continue;
      }
      Map<String, String> metadata = b.getMetadata();
      String format = metadata == null ? null : metadata.get(GcsFormat.METADATA_KEY);
      if (!objectFormat.equals(format)) {
        counts.skipped++;
        continue;
      }
      pending.add(b.getName());
    }
    if (counts.skipped > 0) {
      LOG.warn("loader {}.{}: {} object(s) are not in format {} and cannot be loaded; write them with "
          + "GcsSink.builder(…).format(EnvelopeRow.gcsFormat())", table.getDataset(), table.getTable(),
          counts.skipped, EnvelopeRow.FORMAT_NAME);
    }
    Collections.sort(pending);
    return pending;
  }

  private void load(List<String> objects, Counts counts) throws InterruptedException {
    renewLease();
    String jobId = "eventkit_load_" + UUID.randomUUID().toString().replace("-", "");
    ObjectNode manifest = Json.object();
    manifest.put("job", jobId);
    manifest.put("table", table.getDataset() + "." + table.getTable());
    ArrayNode list = manifest.putArray("objects");
    objects.forEach(list::add);
    storage.create(BlobInfo.newBuilder(bucket, manifestName(jobId)).setContentType("application/json").build(),
        Json.write(manifest).getBytes(StandardCharsets.UTF_8), Storage.BlobTargetOption.doesNotExist());
    finish(jobId, List.copyOf(objects), counts);
  }

  private void resume(Blob manifest, Counts counts) throws InterruptedException {
    JsonNode m;
    try {
      m = Json.reader().readTree(storage.readAllBytes(manifest.getBlobId()));
    } catch (IOException e) {
      LOG.warn("loader: manifest {} is unreadable; removed, its objects will be loaded again if unmarked",
          manifest.getName());
      storage.delete(manifest.getBlobId());
      return;
    }
    List<String> objects = new ArrayList<>();
    m.path("objects").forEach(o -> objects.add(o.asText()));
    LOG.info("loader {}.{}: resuming job of an interrupted run ({} object(s))", table.getDataset(),
        table.getTable(), objects.size());
    renewLease();
    finish(m.path("job").asText(), objects, counts);
  }

  /** Creates the job unless BigQuery already has it, waits for it, and records the outcome. */
  private void finish(String jobId, List<String> objects, Counts counts) throws InterruptedException {
    JobId id = jobId(jobId);
    Job job = bigQuery.getJob(id);
    String refusal = null;
    if (job == null) {
      try {
        job = bigQuery.create(JobInfo.newBuilder(loadConfiguration(objects)).setJobId(id).build());
      } catch (BigQueryException e) {
        if (e.getCode() == 409) {
          job = bigQuery.getJob(id);
        } else if (e.getCode() == 400 && !"invalid".equals(e.getReason())) {
          // The service reports bad data as a failed job, and "invalid" on insert means a configuration problem
          // (kept for the next run). The emulator answers other 400s on insert for bad or missing objects.
          refusal = e.getReason() != null ? e.getReason() : "HTTP 400";
        } else {
          throw e;
        }
      }
    }
    if (refusal == null) {
      if (job == null) {
        throw new IllegalStateException("load job " + jobId + " was neither found nor created");
      }
      job = job.waitFor(RetryOption.totalTimeoutDuration(jobTimeout),
          RetryOption.initialRetryDelayDuration(Duration.ofMillis(200)),
          RetryOption.maxRetryDelayDuration(Duration.ofSeconds(10)));
      if (job == null) {
        throw new IllegalStateException("load job " + jobId + " no longer exists");
      }
      if (!job.isDone()) {
        counts.running++;
        LOG.warn("loader: job {} still runs after {}; the next run resumes it", jobId, jobTimeout);
        return;
      }
      BigQueryError error = job.getStatus().getError();
      counts.jobs++;
      if (error == null) {
        for (String object : objects) {
          marker("/loaded/", object, Map.of("job", jobId));
        }
        storage.delete(BlobId.of(bucket, manifestName(jobId)));
        counts.loaded += objects.size();
        return;
      }
      refusal = error.getReason() != null ? error.getReason() : "job failed";
    } else {
      counts.jobs++;
    }
    storage.delete(BlobId.of(bucket, manifestName(jobId)));
    if (objects.size() > 1) {
      LOG.warn("loader: a load job of {} objects failed ({}); loading them one by one", objects.size(), refusal);
      for (String object : objects) {
        load(List.of(object), counts);
      }
    } else {
      LOG.warn("loader: object {} cannot be loaded ({}); marked failed", objects.get(0), refusal);
      marker("/failed/", objects.get(0), Map.of("job", jobId, "reason", refusal));
      counts.failed++;
    }
  }

  private LoadJobConfiguration loadConfiguration(List<String> objects) {
    List<String> uris = new ArrayList<>(objects.size());
    for (String o : objects) {
      uris.add("gs://" + bucket + "/" + o);
    }
    return LoadJobConfiguration.newBuilder(table, uris, FormatOptions.json())
        .setCreateDisposition(JobInfo.CreateDisposition.CREATE_NEVER)
        .setWriteDisposition(JobInfo.WriteDisposition.WRITE_APPEND)
        .setMaxBadRecords(0)
        .setIgnoreUnknownValues(false)
        .build();
  }

  private JobId jobId(String job) {
    JobId.Builder id = JobId.newBuilder().setJob(job);
    if (table.getProject() != null) {
      id.setProject(table.getProject());
    }
    if (location != null) {
      id.setLocation(location);
    }
    return id.build();
  }

  private void marker(String kind, String object, Map<String, String> metadata) {
    storage.create(BlobInfo.newBuilder(bucket, statePrefix + kind + object).setMetadata(metadata).build(),
        new byte[0]);
  }

  private String manifestName(String jobId) {
    return statePrefix + "/jobs/" + jobId + ".json";
  }

  private String leaseName() {
    return statePrefix + "/lease";
  }

  private BlobInfo leaseInfo() {
    return BlobInfo.newBuilder(bucket, leaseName())
        .setMetadata(Map.of("owner", owner, "expires", clock.instant().plus(leaseDuration).toString()))
        .build();
  }

  /** Takes the lease if it is free or expired; false when another loader holds it or there is no bucket yet. */
  private boolean acquireLease() {
    try {
      leaseGeneration = storage.create(leaseInfo(), new byte[0], Storage.BlobTargetOption.doesNotExist())
          .getGeneration();
      return true;
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        LOG.debug("loader: bucket {} does not exist yet; nothing to load", bucket);
        return false;
      }
      if (e.getCode() != 412) {
        throw e;
      }
    }
    Blob current = storage.get(bucket, leaseName());
    if (current == null) {
      return false;
    }
    if (!expired(current)) {
      LOG.debug("loader: another loader holds the lease of {}.{}", table.getDataset(), table.getTable());
      return false;
    }
    try {
      leaseGeneration = storage.create(leaseInfo(), new byte[0],
          Storage.BlobTargetOption.generationMatch(current.getGeneration())).getGeneration();
      LOG.info("loader: took over the expired lease of {}.{}", table.getDataset(), table.getTable());
      return true;
    } catch (StorageException e) {
      if (e.getCode() == 412) {
        return false;
      }
      throw e;
    }
  }

  private boolean expired(Blob lease) {
    Map<String, String> m = lease.getMetadata();
    try {
      return m == null || m.get("expires") == null || !Instant.parse(m.get("expires")).isAfter(clock.instant());
    } catch (DateTimeParseException e) {
      return true;
    }
  }

  /** Extends the lease; throws when another loader took it over meanwhile, which aborts this run. */
  private void renewLease() {
    try {
      leaseGeneration = storage.create(leaseInfo(), new byte[0],
          Storage.BlobTargetOption.generationMatch(leaseGeneration)).getGeneration();
    } catch (StorageException e) {
      if (e.getCode() == 412) {
        throw new IllegalStateException("the loader lease was taken over by another loader", e);
      }
      throw e;
    }
  }

  private void releaseLease() {
    try {
      storage.delete(BlobId.of(bucket, leaseName()), Storage.BlobSourceOption.generationMatch(leaseGeneration));
    } catch (StorageException e) {
      LOG.debug("loader: lease not released ({}); it expires on its own", e.getCode());
    }
  }

  /** Names an error by type and code only: service messages can quote object content. */
  private static String describe(Throwable t) {
    if (t instanceof BaseServiceException e) {
      return t.getClass().getSimpleName() + " " + e.getCode() + (e.getReason() != null ? " " + e.getReason() : "");
    }
    return t.getClass().getSimpleName();
  }

  /** Stops the schedule (waiting for a running load up to the job timeout) and releases owned clients. */
  @Override
  public void close() {
    ScheduledExecutorService s;
    synchronized (this) {
      s = schedule;
      schedule = null;
    }
    if (s != null) {
      s.shutdown();
      try {
        if (!s.awaitTermination(jobTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ownsStorage) {
      try {
        storage.close();
      } catch (Exception e) {
        LOG.debug("loader: closing the storage client failed: {}", e.toString());
      }
    }
  }

  /**
   * Configures a {@link BigQueryLoader}; not thread-safe. Connection: Application Default Credentials and their
   * project unless {@link #projectId}, {@link #credentials}, emulator hosts, or ready clients are given. Defaults:
   * prefix {@code events} (the GCS sink's default), every 5 minutes, 7 days of partitions, 1,000 objects per job,
   * a 10-minute job timeout.
   */
  public static final class Builder {
    private final String bucket;
    private final String dataset;
    private final String table;
    private String prefix = "events";
    private String statePrefix;
    private String projectId;
    private String emulatorHost;
    private String storageEmulatorHost;
    private Credentials credentials;
    private BigQuery bigQuery;
    private Storage storage;
    private String location;
    private Duration interval = Duration.ofMinutes(5);
    private int lookbackDays = 7;
    private int maxObjectsPerJob = 1_000;
    private Duration jobTimeout = Duration.ofMinutes(10);
    private Clock clock = Clock.systemUTC();
    private String objectFormat = EnvelopeRow.FORMAT_NAME;
    private boolean ensureEventsTable = true;
    private SchemaRegistry schemas;
    private SchemaTables schemaTables;
    private boolean splitBySchema = true;

    private Builder(String bucket, String dataset, String table) {
      this.bucket = Objects.requireNonNull(bucket, "bucket");
      this.dataset = Objects.requireNonNull(dataset, "dataset");
      this.table = Objects.requireNonNull(table, "table");
    }

    /** The GCS sink's prefix (without trailing slash). */
    public Builder prefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** Where markers, manifests and the lease live; must be outside {@code prefix}. */
    public Builder statePrefix(String statePrefix) {
      this.statePrefix = Objects.requireNonNull(statePrefix, "statePrefix");
      return this;
    }

    public Builder projectId(String projectId) {
      this.projectId = Objects.requireNonNull(projectId, "projectId");
      return this;
    }

    /** A BigQuery emulator's REST address; connects without credentials. */
    public Builder emulatorHost(String host) {
      this.emulatorHost = Objects.requireNonNull(host, "emulatorHost");
      return this;
    }

    /** A Cloud Storage emulator's address; connects without credentials. */
    public Builder storageEmulatorHost(String host) {
      this.storageEmulatorHost = Objects.requireNonNull(host, "storageEmulatorHost");
      return this;
    }

    /** Explicit credentials for both services instead of Application Default Credentials. */
    public Builder credentials(Credentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** A ready BigQuery client, used as is. */
    public Builder bigQuery(BigQuery bigQuery) {
      this.bigQuery = Objects.requireNonNull(bigQuery, "bigQuery");
      return this;
    }

    /** A ready Storage client, used as is (the caller closes it). */
    public Builder storage(Storage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** The location of the dataset and jobs, such as {@code EU}. */
    public Builder location(String location) {
      this.location = Objects.requireNonNull(location, "location");
      return this;
    }

    /** Time between the end of one run and the start of the next ({@link #start()} only). */
    public Builder interval(Duration interval) {
      this.interval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /** How many days of {@code dt=} partitions before today are listed each run. */
    public Builder lookbackDays(int days) {
      this.lookbackDays = days;
      return this;
    }

    /** Most objects loaded by one job (BigQuery allows 10,000 source URIs). */
    public Builder maxObjectsPerJob(int objects) {
      this.maxObjectsPerJob = objects;
      return this;
    }

    /** How long a run waits for one job before leaving it to the next run. */
    public Builder jobTimeout(Duration timeout) {
      this.jobTimeout = Objects.requireNonNull(timeout, "jobTimeout");
      return this;
    }

    /** The clock that decides "today" for the lookback window and the lease expiry. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The registry whose schemas type the per-schema tables: with it, each object is split by schema and loaded
     * with a load job per table (valid events naming an Iglu schema into that schema's table in the same dataset,
     * {@code com_acme_checkout_1}; the others into the raw table). See {@link SchemaTables} and the module README.
     */
    public Builder schemas(SchemaRegistry registry) {
      this.schemas = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Like {@link #schemas}, with a configured table manager (table prefix, refusal memory). */
    public Builder schemaTables(SchemaTables tables) {
      this.schemaTables = Objects.requireNonNull(tables, "tables");
      return this;
    }

    /** Whether objects are split by schema when {@link #schemas} is given (default true). */
    public Builder splitBySchema(boolean split) {
      this.splitBySchema = split;
      return this;
    }

    /** The {@code eventkit-format} of the objects this loader loads (the split's per-table loaders). */
    Builder objectFormat(String format) {
      this.objectFormat = Objects.requireNonNull(format, "format");
      return this;
    }

    /** Whether the run creates the raw events table when missing (not for typed tables, made by the split). */
    Builder ensureEventsTable(boolean ensure) {
      this.ensureEventsTable = ensure;
      return this;
    }

    /** The split by schema of a loader built from this builder, or null when it loads objects as they are. */
    private SchemaSplitLoad splitLoad(BigQueryLoader loader, Storage storage, BigQuery bq) {
      if ((schemas == null && schemaTables == null) || !splitBySchema) {
        return null;
      }
      TableId raw = loader.table;
      SchemaTables tables = schemaTables != null ? schemaTables
          : SchemaTables.builder(bq, dataset, schemas).project(raw.getProject()).location(location).build();
      return new SchemaSplitLoad(storage, tables, bucket, prefix, loader.statePrefix, raw, lookbackDays, clock,
          name -> {
            Builder child = builder(bucket, dataset, name).storage(storage).bigQuery(bq).lookbackDays(lookbackDays)
                .maxObjectsPerJob(maxObjectsPerJob).jobTimeout(jobTimeout).clock(clock);
            if (projectId != null) {
              child.projectId(projectId);
            }
            if (location != null) {
              child.location(location);
            }
            return child;
          });
    }

    /** Builds the loader; throws {@link IllegalArgumentException} or {@link IllegalStateException} naming a problem. */
    public BigQueryLoader build() {
      if (bucket.isBlank() || dataset.isBlank() || table.isBlank()) {
        throw new IllegalArgumentException("bucket, dataset and table must not be blank");
      }
      if (prefix.startsWith("/") || prefix.endsWith("/")) {
        throw new IllegalArgumentException("prefix must not start or end with '/'");
      }
      String state = statePrefix != null ? statePrefix : "_eventkit/loads/" + dataset + "." + table;
      if (state.isEmpty() || state.startsWith("/") || state.endsWith("/")
          || (!prefix.isEmpty() && (state + "/").startsWith(prefix + "/"))
          || (prefix.isEmpty() && state.startsWith("dt="))) {
        throw new IllegalArgumentException("statePrefix must be a non-empty path outside the data prefix '"
            + prefix + "'");
      }
      if (interval.isNegative() || interval.isZero() || jobTimeout.isNegative() || jobTimeout.isZero()) {
        throw new IllegalArgumentException("interval and jobTimeout must be positive");
      }
      if (lookbackDays < 0 || lookbackDays > 3660) {
        throw new IllegalArgumentException("lookbackDays must be between 0 and 3660");
      }
      if (maxObjectsPerJob < 1 || maxObjectsPerJob > MAX_URIS_PER_JOB) {
        throw new IllegalArgumentException("maxObjectsPerJob must be between 1 and " + MAX_URIS_PER_JOB);
      }
      if (bigQuery != null && emulatorHost != null) {
        throw new IllegalStateException("give either a BigQuery client or emulatorHost, not both");
      }
      if (storage != null && storageEmulatorHost != null) {
        throw new IllegalStateException("give either a Storage client or storageEmulatorHost, not both");
      }
      BigQuery bq = bigQuery != null ? bigQuery
          : BigQueryClients.connect(projectId, emulatorHost, credentials, location);
      boolean ownsStorage = storage == null;
      Storage st = storage != null ? storage : StorageClients.connect(projectId, storageEmulatorHost, credentials);
      return new BigQueryLoader(this, st, ownsStorage, bq);
    }
  }
}
