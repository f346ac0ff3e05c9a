package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.Credentials;
import com.google.cloud.BaseServiceException;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Dataset;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
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
 *   <li>{@code jobs/<job id>.json}: a manifest naming a job's objects, its current job id and location, written
 *       before the job is created and deleted after the markers. A run first finishes every manifest left by an interrupted run: it looks the
 *       job up by its id (creating it only if BigQuery never saw it), waits for it, then writes the markers. So a
 *       crash at any point neither loses an object nor loads one twice.
 *   <li>{@code lease}: one loader per table at a time. Every collector may run a loader; the one holding the
 *       lease (an object created if absent, renewed when it could run out during the next job, taken over only
 *       after it expired) works,
 *       the others skip the run.
 * </ul>
 * Objects are immutable (their names are content digests), so a marker stays true.
 *
 * <p><b>Listing.</b> A run lists incrementally, from a checkpoint kept in the lease ({@code listedFrom}): the hour
 * partition ({@code dt=…/hr=…}) of the oldest object a run left unloaded, or {@code lateArrival} (2 h) before that
 * run's listing when it left none. Partitions are by the events' receive time, so objects written later into older
 * partitions (a collector's log replayed after an outage) are found by the daily sweep, a run that lists every
 * partition once a day; so no object is left unloaded, only loaded up to a day late. Without a checkpoint (a new
 * lease) a run lists the {@code lookbackDays} before today.
 *
 * <p><b>Failures.</b> A job that fails on its objects' data ({@code invalid} naming an object) is split in halves,
 * each half a job of its own, until the object at fault stands alone and is marked failed (reason code logged, never
 * its content); at most {@code maxSplitJobsPerRun} such jobs per run, the rest wait in their manifests. Any other
 * job error (quota, rate limit, transient, permission, missing table, schema) aborts the run: the manifest is kept,
 * naming a new job id for the same objects, and no object is blamed. Errors reaching BigQuery or GCS, and a job
 * request refused as {@code invalid}, abort the run likewise. Load jobs are atomic per job, so a failed job added
 * no rows.
 *
 * <p><b>Location.</b> Jobs run in the dataset's location, read at the start of each run (the configured
 * {@code location} only decides where a dataset the loader creates goes); each manifest records its job's location,
 * because outside the US and EU multi-regions BigQuery finds a job only when asked in its location.
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
  private static final Duration SWEEP_EVERY = Duration.ofDays(1);

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
  private final int maxSplitJobsPerRun;
  private final Duration jobTimeout;
  private final Duration leaseDuration;
  private final Clock clock;
  private final String objectFormat;
  private final boolean ensureEventsTable;
  private final SchemaSplitLoad split;
  private final String owner = UUID.randomUUID().toString();
  private ScheduledExecutorService schedule;
  private long leaseGeneration;
  private Instant leaseExpires = Instant.MIN;
  /** When any loader last listed every day partition (from the lease), or null if never. */
  private Instant lastSweep;
  /** The hour partition the next run lists from (from the lease), or null to list the lookback window. */
  private Instant listedFrom;
  private final Duration lateArrival;
  private String jobLocation;

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
    this.lateArrival = b.lateArrival;
    this.maxObjectsPerJob = b.maxObjectsPerJob;
    this.maxSplitJobsPerRun = b.maxSplitJobsPerRun;
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

  /**
   * One run of the schedule: skipped when any loader of this table finished a run less than {@code interval} ago,
   * so that loaders on N collectors make one run per interval, not N.
   */
  LoadReport runScheduled() throws InterruptedException {
    return run(true);
  }

  private void runLogged() {
    try {
      LoadReport r = runScheduled();
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
  public LoadReport runOnce() throws InterruptedException {
    return run(false);
  }

  private synchronized LoadReport run(boolean scheduled) throws InterruptedException {
    if (!acquireLease(scheduled)) {
      return LoadReport.notRun();
    }
    try {
      if (ensureEventsTable) {
        EventsTables.ensure(bigQuery, table, location);
      }
      jobLocation = datasetLocation();
      if (split != null) {
        return split.run();
      }
      Counts counts = new Counts();
      Deque<Manifest> work = new ArrayDeque<>();
      for (Blob blob : storage.list(bucket, Storage.BlobListOption.prefix(statePrefix + "/jobs/")).iterateAll()) {
        Manifest m = read(blob);
        if (m != null) {
          LOG.info("loader {}.{}: resuming job of an interrupted run ({} object(s))", table.getDataset(),
              table.getTable(), m.objects().size());
          work.add(m);
        }
      }
      if (!drain(work, counts)) {
        return counts.report();
      }
      boolean sweep = lastSweep == null || !lastSweep.plus(SWEEP_EVERY).isAfter(clock.instant());
      Instant listedAt = clock.instant();
      List<String> pending = pendingObjects(counts, sweep);
      // Safe to move now: whatever this run leaves unloaded lies at or after the new checkpoint.
      listedFrom = checkpoint(listedAt, pending);
      for (int from = 0; from < pending.size(); from += maxObjectsPerJob) {
        work.add(newManifest(pending.subList(from, Math.min(pending.size(), from + maxObjectsPerJob))));
        if (!drain(work, counts)) {
          return counts.report();
        }
      }
      if (sweep) {
        lastSweep = listedAt;
      }
      return counts.report();
    } finally {
      releaseLease();
    }
  }

  private static final class Counts {
    int jobs;
    int splitJobs;
    int loaded;
    int failed;
    int skipped;
    int running;

    LoadReport report() {
      return new LoadReport(true, jobs, loaded, failed, skipped, running);
    }
  }

  /**
   * A job's manifest: the object {@code name}, its generation, the job id (a retried job gets a new one), the
   * location the job runs in, whether it is a part of a split job, and its objects.
   */
  private record Manifest(String name, long generation, String jobId, String location, boolean split,
      List<String> objects) {}

  /** The location jobs run in: the dataset's (jobs must run there), else the configured one. */
  private String datasetLocation() {
    Dataset dataset = bigQuery.getDataset(table.getProject() == null ? DatasetId.of(table.getDataset())
        : DatasetId.of(table.getProject(), table.getDataset()));
    String actual = dataset == null ? null : dataset.getLocation();
    if (actual == null) {
      return location;
    }
    if (location != null && !location.equalsIgnoreCase(actual)) {
      LOG.warn("loader {}.{}: the dataset is in {}, not in the configured {}; jobs run in {}", table.getDataset(),
          table.getTable(), actual, location, actual);
    }
    return actual;
  }

  /**
   * Finishes the queued manifests (and the parts of split jobs they produce); false when the run stops early
   * because the split-job cap was reached (the rest wait in their manifests for the next run).
   */
  private boolean drain(Deque<Manifest> work, Counts counts) throws InterruptedException {
    while (!work.isEmpty()) {
      Manifest m = work.peek();
      if (m.split() && counts.splitJobs >= maxSplitJobsPerRun) {
        LOG.warn("loader {}.{}: {} split job(s) this run, the cap; {} part(s) wait for the next run",
            table.getDataset(), table.getTable(), counts.splitJobs, work.size());
        return false;
      }
      work.poll();
      if (m.split()) {
        counts.splitJobs++;
      }
      finish(m, counts, work);
    }
    return true;
  }

  /**
   * The hour partition the next run lists from: {@code lateArrival} before this listing, or the partition of the
   * oldest object still pending if that is older (an object this run does not get to stays listed).
   */
  private Instant checkpoint(Instant listedAt, List<String> pending) {
    Instant from = listedAt.minus(lateArrival);
    for (String name : pending) {
      Instant hour = GcsLayout.partitionHour(prefix, name);
      if (hour == null) {
        return listedFrom; // not of the layout: keep listing as before
      }
      if (hour.isBefore(from)) {
        from = hour;
      }
    }
    return from;
  }

  /**
   * Data objects not yet loaded or failed (no marker), sorted by name: in every partition ({@code everyDay}), from
   * the checkpoint, or else in the lookback window.
   */
  private List<String> pendingObjects(Counts counts, boolean everyDay) {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    Set<String> done = new HashSet<>();
    List<Blob> candidates = new ArrayList<>();
    List<String> days = new ArrayList<>();
    String firstHour = null;
    if (everyDay) {
      // The daily sweep: every dt= partition, so that objects older than the checkpoint or the lookback (written
      // late, after a long outage or replay) are loaded too, not silently left behind.
      String one = GcsLayout.dayPrefix(prefix, today);
      days.add(one.substring(0, one.indexOf("dt=") + "dt=".length()));
    } else {
      LocalDate first = today.minusDays(lookbackDays);
      if (listedFrom != null) {
        // Incremental: the checkpoint's day from its hour on (names sort by hour within a day), then later days.
        first = LocalDate.ofInstant(listedFrom, ZoneOffset.UTC);
        firstHour = GcsLayout.partition(prefix, listedFrom);
      }
      for (LocalDate d = first; !d.isAfter(today.plusDays(1)); d = d.plusDays(1)) {
        days.add(GcsLayout.dayPrefix(prefix, d));
      }
    }
    for (String day : days) {
      String from = firstHour != null && firstHour.startsWith(day) ? firstHour : null;
      for (Blob b : storage.list(bucket, listing(day, from, "")).iterateAll()) {
        if (b.getName().endsWith(GcsLayout.SUFFIX)) {
          candidates.add(b);
        }
      }
      // "routed": split by schema while splitting was on; its events are loaded from the split objects.
      for (String kind : List.of("/loaded/", "/failed/", "/routed/")) {
        String markers = statePrefix + kind;
        for (Blob m : storage.list(bucket, listing(day, from, markers)).iterateAll()) {
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

  /** Listing options for the names {@code under + day}, from {@code under + from} on when {@code from} is given. */
  private static Storage.BlobListOption[] listing(String day, String from, String under) {
    if (from == null) {
      return new Storage.BlobListOption[] {Storage.BlobListOption.prefix(under + day)};
    }
    return new Storage.BlobListOption[] {Storage.BlobListOption.prefix(under + day),
        Storage.BlobListOption.startOffset(under + from)};
  }

  /** Writes the manifest of a new job, before the job exists. */
  private Manifest newManifest(List<String> objects) {
    renewLeaseIfDue();
    String jobId = "eventkit_load_" + UUID.randomUUID().toString().replace("-", "");
    return write(new Manifest(manifestName(jobId), 0, jobId, jobLocation, false, List.copyOf(objects)), true);
  }

  /**
   * Writes a manifest: created if absent (a 412 means a replay already wrote the same one) or, with
   * {@code create} false, replaced only if unchanged since it was read.
   */
  private Manifest write(Manifest m, boolean create) {
    ObjectNode json = Json.object();
    json.put("job", m.jobId());
    json.put("table", table.getDataset() + "." + table.getTable());
    if (m.location() != null) {
      json.put("location", m.location());
    }
    if (m.split()) {
      json.put("split", true);
    }
    ArrayNode list = json.putArray("objects");
    m.objects().forEach(list::add);
    BlobInfo info = BlobInfo.newBuilder(bucket, m.name()).setContentType("application/json").build();
    byte[] bytes = Json.write(json).getBytes(StandardCharsets.UTF_8);
    try {
      Blob written = storage.create(info, bytes, create ? Storage.BlobTargetOption.doesNotExist()
          : Storage.BlobTargetOption.generationMatch(m.generation()));
      return new Manifest(m.name(), written.getGeneration(), m.jobId(), m.location(), m.split(), m.objects());
    } catch (StorageException e) {
      if (e.getCode() == 412 && create) {
        Blob existing = storage.get(bucket, m.name());
        if (existing != null) {
          return read(existing);
        }
      }
      throw e;
    }
  }

  /** A manifest left by an earlier run, or null (and removed) when it is unreadable. */
  private Manifest read(Blob blob) {
    JsonNode m;
    try {
      m = Json.reader().readTree(storage.readAllBytes(blob.getBlobId()));
    } catch (IOException e) {
      m = null;
    }
    if (m == null || !m.path("job").isTextual()) {
      LOG.warn("loader: manifest {} is unreadable; removed, its objects will be loaded again if unmarked",
          blob.getName());
      storage.delete(blob.getBlobId());
      return null;
    }
    List<String> objects = new ArrayList<>();
    m.path("objects").forEach(o -> objects.add(o.asText()));
    // Manifests written before locations were recorded ran in the dataset's location.
    String loc = m.path("location").isTextual() ? m.path("location").asText() : jobLocation;
    return new Manifest(blob.getName(), blob.getGeneration(), m.path("job").asText(), loc,
        m.path("split").asBoolean(false), List.copyOf(objects));
  }

  /**
   * Creates the job unless BigQuery already has it, waits for it, and records the outcome: markers when it loaded;
   * for a data error, two half jobs (queued on {@code work}) or a failed marker for a single object; for any other
   * error, the manifest names a fresh job id for the next run and the run aborts.
   */
  private void finish(Manifest m, Counts counts, Deque<Manifest> work) throws InterruptedException {
    renewLeaseIfDue();
    JobId id = jobId(m.jobId(), m.location());
    Job job = bigQuery.getJob(id);
    String refusal = null;
    if (job == null) {
      try {
        job = bigQuery.create(JobInfo.newBuilder(loadConfiguration(m.objects())).setJobId(id).build());
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
        throw new IllegalStateException("load job " + m.jobId() + " was neither found nor created");
      }
      job = await(job.getJobId());
      if (job == null) {
        throw new IllegalStateException("load job " + m.jobId() + " no longer exists");
      }
      if (!isDone(job)) {
        counts.running++;
        LOG.warn("loader: job {} still runs after {}; the next run resumes it", m.jobId(), jobTimeout);
        return;
      }
      JobStatus status = job.getStatus();
      BigQueryError error = status.getError();
      counts.jobs++;
      if (error == null) {
        for (String object : m.objects()) {
          marker("/loaded/", object, Map.of("job", m.jobId()));
        }
        storage.delete(BlobId.of(bucket, m.name()));
        counts.loaded += m.objects().size();
        return;
      }
      if (!LoadJobErrors.isDataError(status)) {
        // Nobody's data: the same objects are loaded by a job with a new id (an id is used once) next run.
        write(new Manifest(m.name(), m.generation(), retryId(m), m.location(), m.split(), m.objects()), false);
        throw new BigQueryException(500, "load job " + m.jobId() + " failed: " + error.getReason(), error);
      }
      refusal = error.getReason() != null ? error.getReason() : "job failed";
    } else {
      counts.jobs++;
    }
    if (m.objects().size() > 1) {
      LOG.warn("loader: a load job of {} objects failed ({}); loading each half on its own", m.objects().size(),
          refusal);
      int half = m.objects().size() / 2;
      List<List<String>> parts = List.of(m.objects().subList(0, half), m.objects().subList(half, m.objects().size()));
      for (int i = parts.size() - 1; i >= 0; i--) {
        // Names derived from the failed job: a run interrupted here writes the same halves again.
        String partId = m.jobId() + "_s" + i;
        work.addFirst(write(new Manifest(manifestName(partId), 0, partId, m.location(), true, parts.get(i)), true));
      }
      storage.delete(BlobId.of(bucket, m.name()));
    } else {
      LOG.warn("loader: object {} cannot be loaded ({}); marked failed", m.objects().get(0), refusal);
      marker("/failed/", m.objects().get(0), Map.of("job", m.jobId(), "reason", refusal));
      storage.delete(BlobId.of(bucket, m.name()));
      counts.failed++;
    }
  }

  /** The next job id for a manifest's objects: {@code <first id>_r<attempt>}. */
  private static String retryId(Manifest m) {
    String base = m.name().substring(m.name().lastIndexOf('/') + 1, m.name().length() - ".json".length());
    int attempt = 0;
    String prefix = base + "_r";
    if (m.jobId().startsWith(prefix)) {
      try {
        attempt = Integer.parseInt(m.jobId().substring(prefix.length()));
      } catch (NumberFormatException e) {
        attempt = 0;
      }
    }
    return prefix + (attempt + 1);
  }

  private static boolean isDone(Job job) {
    return job.getStatus() != null && job.getStatus().getState() == JobStatus.State.DONE;
  }

  /**
   * Polls the job until it is done or {@code jobTimeout} passed. Not {@code Job.waitFor}: that throws for a job
   * that ended with an error, which hides the error's reason behind an exception.
   */
  private Job await(JobId id) throws InterruptedException {
    long deadline = System.nanoTime() + jobTimeout.toNanos();
    long delay = 200;
    while (true) {
      Job job = bigQuery.getJob(id);
      long left = deadline - System.nanoTime();
      if (job == null || isDone(job) || left <= 0) {
        return job;
      }
      Thread.sleep(Math.min(delay, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
      delay = Math.min(delay * 2, 10_000);
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

  private JobId jobId(String job, String jobLocation) {
    JobId.Builder id = JobId.newBuilder().setJob(job);
    if (table.getProject() != null) {
      id.setProject(table.getProject());
    }
    if (jobLocation != null) {
      id.setLocation(jobLocation);
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

  /** Writes this loader's lease under a precondition and remembers until when it holds. */
  private void writeLease(Storage.BlobTargetOption precondition) {
    Instant expires = clock.instant().plus(leaseDuration);
    BlobInfo info = BlobInfo.newBuilder(bucket, leaseName())
        .setMetadata(Map.of("owner", owner, "expires", expires.toString())).build();
    leaseGeneration = storage.create(info, new byte[0], precondition).getGeneration();
    leaseExpires = expires;
  }

  /** Whether the lease records a run that finished less than {@code interval} ago. */
  private boolean ranRecently(Blob lease) {
    Instant ranAt = instant(lease, "ranAt");
    return ranAt != null && ranAt.plus(interval).isAfter(clock.instant());
  }

  private static Instant instant(Blob lease, String key) {
    Map<String, String> m = lease.getMetadata();
    try {
      return m == null || m.get(key) == null ? null : Instant.parse(m.get(key));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Takes the lease if it is free or expired; false when another loader holds it, there is no bucket yet, or (for a
   * scheduled run) a loader finished a run within the interval.
   */
  private boolean acquireLease(boolean scheduled) {
    try {
      writeLease(Storage.BlobTargetOption.doesNotExist());
      lastSweep = null;
      listedFrom = null;
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
    if (scheduled && ranRecently(current)) {
      LOG.debug("loader: {}.{} was loaded less than {} ago; run skipped", table.getDataset(), table.getTable(),
          interval);
      return false;
    }
    try {
      writeLease(Storage.BlobTargetOption.generationMatch(current.getGeneration()));
      lastSweep = instant(current, "sweptAt");
      listedFrom = instant(current, "listedFrom");
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

  /**
   * Extends the lease when it could run out during the next job, and only then: Cloud Storage allows about one
   * write per second to one object, and a run may start hundreds of jobs.
   */
  private void renewLeaseIfDue() {
    if (clock.instant().plus(jobTimeout).plusSeconds(60).isAfter(leaseExpires)) {
      renewLease();
    }
  }

  /** Extends the lease; throws when another loader took it over meanwhile, which aborts this run. */
  private void renewLease() {
    try {
      writeLease(Storage.BlobTargetOption.generationMatch(leaseGeneration));
    } catch (StorageException e) {
      if (e.getCode() == 412) {
        throw new IllegalStateException("the loader lease was taken over by another loader", e);
      }
      throw e;
    }
  }

  /** Ends the lease (it expires now) and records when this run finished, for the other loaders' schedules. */
  private void releaseLease() {
    try {
      String now = clock.instant().toString();
      Map<String, String> metadata = new HashMap<>(Map.of("owner", owner, "expires", now, "ranAt", now));
      if (lastSweep != null) {
        metadata.put("sweptAt", lastSweep.toString());
      }
      if (listedFrom != null) {
        metadata.put("listedFrom", listedFrom.toString());
      }
      storage.create(BlobInfo.newBuilder(bucket, leaseName()).setMetadata(metadata).build(), new byte[0],
          Storage.BlobTargetOption.generationMatch(leaseGeneration));
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
    private Duration lateArrival = Duration.ofHours(2);
    private int maxObjectsPerJob = 1_000;
    private int maxSplitJobsPerRun = 32;
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

    /**
     * How many days of {@code dt=} partitions before today a run lists when it has no checkpoint (the lease is
     * new); other runs list from the checkpoint, and the daily sweep every partition.
     */
    public Builder lookbackDays(int days) {
      this.lookbackDays = days;
      return this;
    }

    /**
     * How far before its listing each run's checkpoint lies (default 2 h): objects written up to this late into
     * their partition are found by the next run, later ones by the daily sweep, at most a day later.
     */
    public Builder lateArrival(Duration lateArrival) {
      this.lateArrival = Objects.requireNonNull(lateArrival, "lateArrival");
      return this;
    }

    /** Most objects loaded by one job (BigQuery allows 10,000 source URIs). */
    public Builder maxObjectsPerJob(int objects) {
      this.maxObjectsPerJob = objects;
      return this;
    }

    /**
     * Most jobs one run spends on halving jobs that failed on their data (each counts against the table's daily
     * load-job quota); the halves left over wait in their manifests for the next run.
     */
    public Builder maxSplitJobsPerRun(int jobs) {
      this.maxSplitJobsPerRun = jobs;
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
      if (lateArrival.isNegative()) {
        throw new IllegalArgumentException("lateArrival must not be negative");
      }
      if (lookbackDays < 0 || lookbackDays > 3660) {
        throw new IllegalArgumentException("lookbackDays must be between 0 and 3660");
      }
      if (maxSplitJobsPerRun < 0) {
        throw new IllegalArgumentException("maxSplitJobsPerRun must not be negative");
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
