package dev.eventkit.gcp.gcs;

import com.google.auth.Credentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes envelopes to Cloud Storage as gzip-compressed NDJSON objects, one line per envelope (in a
 * {@link GcsFormat}), partitioned by receive hour: {@code <prefix>/dt=YYYY-MM-DD/hr=HH/<key>-<digest>.ndjson.gz}
 * (see {@link GcsLayout}).
 *
 * <p><b>Flushing by size and time.</b> A {@link #write} does not complete until its events are in an object that
 * GCS has acknowledged, because success moves the sink's cursor. The sink holds each write for at most
 * {@code linger}, so that the writes arriving meanwhile (the dispatcher keeps several batches in flight) share one
 * object, and flushes at once when {@code maxBufferedEvents} or {@code maxBufferedBytes} is reached. While writes
 * are held the log keeps filling, so the next batches the dispatcher reads are larger: the log is the real buffer.
 * With {@code linger} zero every write becomes its own object at once, and the pipeline's batch size is the only
 * size knob. Keep {@code linger} well below the pipeline's write timeout (60 s by default); the builder caps it at
 * 30 s.
 *
 * <p><b>Replays do not duplicate.</b> Two mechanisms, both derived from the content:
 * <ol>
 *   <li>An object's name ends in a digest of its content and is created with an if-absent precondition, so
 *       writing the same events in the same order again (a retry after a failed or timed-out write, or the same
 *       batch re-read after a crash) finds the object already there and succeeds without a second object. Objects
 *       are therefore immutable, which the BigQuery loader relies on.
 *   <li>A replay may also be cut differently: after a crash the log re-reads the uncommitted tail in batches of
 *       other sizes, and held writes combine differently. Every object name starts with a key derived from its
 *       first event id, and a replay of a crash-interrupted tail starts where an earlier object started (the
 *       cursor is only ever committed at batch ends). So before writing, the sink lists the objects sharing its
 *       first event's key, drops the events they already hold, and repeats with the new first event. The ids it
 *       found are remembered (per hour partition, up to 100,000), which covers a replay cut inside an earlier,
 *       larger object. This costs one list call per object written; turn it off with
 *       {@link Builder#dedupeReplays(boolean)} to rely on mechanism 1 alone.
 * </ol>
 * A consequence of mechanism 2: an event whose id is already stored in the same hour partition, and is met while
 * the sink checks a replay, is not stored again. Ids are the clients' own event ids (or random UUIDs), so this is
 * the deduplication of a resent event. Left open: a write the dispatcher abandons after its write timeout while
 * the sink still holds it may be combined into another object than its retry.
 *
 * <p><b>Durability and failures.</b> All GCS calls run on one thread per sink, in arrival order; the client's
 * own retries are off because the dispatcher owns retries. A missing bucket is created on demand (unless
 * {@link Builder#createBucket(boolean) disabled}); see {@code GcsFailures} for the error mapping: only HTTP 400
 * and other unexpected 4xx answers are permanent. A write whose events span several hour partitions writes one
 * object per partition; if some fail, the result names the failed events by index.
 *
 * <p>Thread-safe. Never logs payloads or event ids.
 */
public final class GcsSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(GcsSink.class);
  private static final int STORED_IDS_CAPACITY = 100_000;
  private static final int MAX_REPLAY_LOOKUPS = 10_000;
  private static final Duration MAX_LINGER = Duration.ofSeconds(30);

  private final String name;
  private final String bucket;
  private final String prefix;
  private final GcsFormat format;
  private final Storage storage;
  private final boolean ownsStorage;
  private final boolean createBucket;
  private final String bucketLocation;
  private final Duration linger;
  private final int maxBufferedEvents;
  private final long maxBufferedBytes;
  private final boolean dedupeReplays;
  private final ScheduledExecutorService lane;

  private final Object lock = new Object();
  private List<Held> held = new ArrayList<>();
  private int heldEvents;
  private long heldBytes;
  private ScheduledFuture<?> lingerTimer;
  private boolean closed;

  /** Partition-qualified ids found already stored; touched on the lane thread only. */
  private final Map<String, Boolean> storedIds = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > STORED_IDS_CAPACITY;
    }
  };

  private record Held(List<Envelope> batch, CompletableFuture<WriteResult> result) {}

  private GcsSink(Builder b, Storage storage, boolean ownsStorage) {
    this.name = b.name;
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.format = b.format;
    this.storage = storage;
    this.ownsStorage = ownsStorage;
    this.createBucket = b.createBucket;
    this.bucketLocation = b.bucketLocation;
    this.linger = b.linger;
    this.maxBufferedEvents = b.maxBufferedEvents;
    this.maxBufferedBytes = b.maxBufferedBytes;
    this.dedupeReplays = b.dedupeReplays;
    this.lane = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "eventkit-gcs-" + b.name);
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder for a sink writing to {@code bucket}. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  @Override
  public String name() {
    return name;
  }

  /** The bucket objects are written to. */
  public String bucket() {
    return bucket;
  }

  /** The object name prefix (without trailing slash). */
  public String prefix() {
    return prefix;
  }

  /** The line format of the objects. */
  public GcsFormat format() {
    return format;
  }

  /** The client the sink writes with. */
  public Storage storage() {
    return storage;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(WriteResult.success());
    }
    Held h = new Held(List.copyOf(batch), new CompletableFuture<>());
    boolean flushNow;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("gcs sink is closed")));
      }
      held.add(h);
      heldEvents += batch.size();
      heldBytes += estimateBytes(batch);
      flushNow = linger.isZero() || heldEvents >= maxBufferedEvents || heldBytes >= maxBufferedBytes;
      if (!flushNow && held.size() == 1) {
        lingerTimer = lane.schedule(this::flushHeld, linger.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
    if (flushNow) {
      onLane(this::flushHeld);
    }
    return h.result;
  }

  @Override
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      lane.execute(() -> {
        flushHeld();
        // Completed off the lane: what follows a flush may wait for the lane (shutdown() closes, and close() waits
        // for a last flush on the lane), which would deadlock on the lane's own thread.
        done.completeAsync(() -> null);
      });
    } catch (RejectedExecutionException e) {
      done.complete(null);
    }
    return done;
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      lane.submit(this::flushHeld).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("gcs sink {} could not flush on close: {}", name, e.toString());
    }
    lane.shutdown();
    try {
      if (!lane.awaitTermination(10, TimeUnit.SECONDS)) {
        lane.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failHeld("gcs sink is closed");
    if (ownsStorage) {
      try {
        storage.close();
      } catch (Exception e) {
        LOG.debug("gcs sink {}: closing the client failed: {}", name, e.toString());
      }
    }
  }

  private void onLane(Runnable task) {
    try {
      lane.execute(task);
    } catch (RejectedExecutionException e) {
      failHeld("gcs sink is closed");
    }
  }

  private void failHeld(String reason) {
    List<Held> left = takeHeld();
    for (Held h : left) {
      h.result.complete(WriteResult.failed(Failure.retryable(reason)));
    }
  }

  private List<Held> takeHeld() {
    synchronized (lock) {
      List<Held> out = held;
      held = new ArrayList<>();
      heldEvents = 0;
      heldBytes = 0;
      if (lingerTimer != null) {
        lingerTimer.cancel(false);
        lingerTimer = null;
      }
      return out;
    }
  }

  /** Writes everything held as one object per hour partition; runs on the lane. */
  private void flushHeld() {
    List<Held> batch = takeHeld();
    if (batch.isEmpty()) {
      return;
    }
    Map<String, List<Envelope>> groups = new LinkedHashMap<>();
    for (Held h : batch) {
      for (Envelope e : h.batch) {
        groups.computeIfAbsent(GcsLayout.partition(prefix, e.receivedAt()), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, Failure> failed = new HashMap<>();
    for (Map.Entry<String, List<Envelope>> g : groups.entrySet()) {
      try {
        store(g.getKey(), g.getValue());
      } catch (RuntimeException e) {
        Failure f = GcsFailures.of(e);
        failed.put(g.getKey(), f);
        LOG.warn("gcs sink {}: {} event(s) of partition {} not stored: {}", name, g.getValue().size(),
            g.getKey(), f.reason());
      }
    }
    for (Held h : batch) {
      h.result.complete(resultFor(h.batch, failed));
    }
  }

  private WriteResult resultFor(List<Envelope> batch, Map<String, Failure> failedPartitions) {
    if (failedPartitions.isEmpty()) {
      return WriteResult.success();
    }
    Map<Integer, Failure> byIndex = new HashMap<>();
    Set<Failure> distinct = new HashSet<>();
    for (int i = 0; i < batch.size(); i++) {
      Failure f = failedPartitions.get(GcsLayout.partition(prefix, batch.get(i).receivedAt()));
      if (f != null) {
        byIndex.put(i, f);
        distinct.add(f);
      }
    }
    if (byIndex.size() == batch.size() && distinct.size() == 1) {
      return WriteResult.failed(distinct.iterator().next());
    }
    return WriteResult.partial(byIndex);
  }

  /** Stores the events of one partition in one object, creating the bucket first when it is missing. */
  private void store(String partition, List<Envelope> events) {
    try {
      storeOnce(partition, events);
    } catch (StorageException e) {
      if (e.getCode() != 404 || !createBucket) {
        throw e;
      }
      createBucket();
      storeOnce(partition, events);
    }
  }

  /** Stores the events of one partition in one object, skipping those an earlier attempt already stored. */
  private void storeOnce(String partition, List<Envelope> events) {
    List<Envelope> remaining = dedupeReplays ? withoutStored(partition, events) : events;
    if (remaining.isEmpty()) {
      return;
    }
    byte[] plain = GcsObjects.encode(remaining, format);
    String objectName = GcsLayout.objectName(partition, remaining.get(0).id(), plain);
    BlobInfo info = BlobInfo.newBuilder(bucket, objectName)
        .setContentType("application/x-ndjson")
        .setContentEncoding("gzip")
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, format.name(),
            "eventkit-events", Integer.toString(remaining.size()),
            "eventkit-sink", name))
        .build();
    createIfAbsent(info, GcsObjects.gzip(plain));
  }

  private void createIfAbsent(BlobInfo info, byte[] gz) {
    try {
      storage.create(info, gz, Storage.BlobTargetOption.doesNotExist(),
          Storage.BlobTargetOption.disableGzipContent());
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw e;
      }
      // The name is a digest of the content: an object by this name already holds exactly these events.
      LOG.debug("gcs sink {}: object already stored by an earlier attempt", name);
    }
  }

  private void createBucket() {
    try {
      BucketInfo.Builder b = BucketInfo.newBuilder(bucket);
      if (bucketLocation != null) {
        b.setLocation(bucketLocation);
      }
      storage.create(b.build());
      LOG.info("gcs sink {} created bucket {}", name, bucket);
    } catch (StorageException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** Drops the events an earlier write already stored in this partition (see the class comment, mechanism 2). */
  private List<Envelope> withoutStored(String partition, List<Envelope> events) {
    List<Envelope> remaining = new ArrayList<>(events.size());
    for (Envelope e : events) {
      if (!storedIds.containsKey(partition + e.id())) {
        remaining.add(e);
      }
    }
    int skipped = events.size() - remaining.size();
    for (int i = 0; i < MAX_REPLAY_LOOKUPS && !remaining.isEmpty(); i++) {
      Set<String> found = idsStoredFrom(partition, remaining.get(0).id());
      if (found.isEmpty()) {
        break;
      }
      List<Envelope> next = new ArrayList<>(remaining.size());
      for (Envelope e : remaining) {
        if (!found.contains(e.id())) {
          next.add(e);
        }
      }
      skipped += remaining.size() - next.size();
      if (next.size() == remaining.size()) {
        break;
      }
      remaining = next;
    }
    if (skipped > 0) {
      LOG.info("gcs sink {}: {} replayed event(s) of partition {} were already stored; not stored again", name,
          skipped, partition);
    }
    return remaining;
  }

  /** The ids held by the objects of {@code partition} whose first event has {@code firstEventId}'s key. */
  private Set<String> idsStoredFrom(String partition, String firstEventId) {
    Set<String> ids = new HashSet<>();
    String replayPrefix = GcsLayout.replayPrefix(partition, firstEventId);
    for (Blob blob : storage.list(bucket, Storage.BlobListOption.prefix(replayPrefix)).iterateAll()) {
      if (!blob.getName().endsWith(GcsLayout.SUFFIX)) {
        continue;
      }
      List<Envelope> stored;
      try {
        stored = GcsObjects.decode(storage.readAllBytes(blob.getBlobId()), format);
      } catch (IllegalArgumentException e) {
        LOG.warn("gcs sink {}: object {} is not in format {}; ignored while checking a replay", name,
            blob.getName(), format.name());
        continue;
      }
      for (Envelope e : stored) {
        ids.add(e.id());
        storedIds.put(partition + e.id(), Boolean.TRUE);
      }
    }
    return ids;
  }

  private static long estimateBytes(List<Envelope> batch) {
    long n = 0;
    for (Envelope e : batch) {
      n += 256 + e.payloadJson().length();
    }
    return n;
  }

  /**
   * Configures a {@link GcsSink}; not thread-safe. Connection: Application Default Credentials and the project
   * they name, unless {@link #credentials}, {@link #projectId} or an {@link #emulatorHost} (which implies no
   * credentials) is set, or a ready {@link #storage} client is given. Defaults: name {@code gcs}, prefix
   * {@code events}, {@link GcsFormat#envelopes()}, linger 5 s, flush at 2,000 events or 16 MiB, buckets created
   * on demand, replay checks on.
   */
  public static final class Builder {
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

    private final String bucket;
    private String name = "gcs";
    private String prefix = "events";
    private GcsFormat format = GcsFormat.envelopes();
    private String projectId;
    private String emulatorHost;
    private Credentials credentials;
    private Storage storage;
    private boolean createBucket = true;
    private String bucketLocation;
    private Duration linger = Duration.ofSeconds(5);
    private int maxBufferedEvents = 2_000;
    private long maxBufferedBytes = 16L * 1024 * 1024;
    private boolean dedupeReplays = true;

    private Builder(String bucket) {
      this.bucket = Objects.requireNonNull(bucket, "bucket");
    }

    /** The sink's name, which names its cursor in the log. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The object name prefix, without leading or trailing slash; empty for the bucket root. */
    public Builder prefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** The line format; the BigQuery loader needs {@code EnvelopeRow.gcsFormat()}. */
    public Builder format(GcsFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /** The Google Cloud project (used when the bucket is created). */
    public Builder projectId(String projectId) {
      this.projectId = Objects.requireNonNull(projectId, "projectId");
      return this;
    }

    /** A Cloud Storage emulator, such as {@code http://127.0.0.1:9023}; connects without credentials. */
    public Builder emulatorHost(String host) {
      this.emulatorHost = Objects.requireNonNull(host, "emulatorHost");
      return this;
    }

    /** Explicit credentials instead of Application Default Credentials. */
    public Builder credentials(Credentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** A ready client, used as is (the caller keeps it and closes it). Excludes the connection options. */
    public Builder storage(Storage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** Whether a missing bucket is created on demand (default true). */
    public Builder createBucket(boolean create) {
      this.createBucket = create;
      return this;
    }

    /** The location of a bucket the sink creates, such as {@code EU}; the service default when unset. */
    public Builder bucketLocation(String location) {
      this.bucketLocation = Objects.requireNonNull(location, "bucketLocation");
      return this;
    }

    /** How long a write may wait for others to share its object; zero writes each batch at once. */
    public Builder linger(Duration linger) {
      this.linger = Objects.requireNonNull(linger, "linger");
      return this;
    }

    /** Held events that trigger an immediate flush. */
    public Builder maxBufferedEvents(int events) {
      this.maxBufferedEvents = events;
      return this;
    }

    /** Held (estimated, uncompressed) bytes that trigger an immediate flush. */
    public Builder maxBufferedBytes(long bytes) {
      this.maxBufferedBytes = bytes;
      return this;
    }

    /** Whether replays are checked against stored objects before writing (see the class comment). */
    public Builder dedupeReplays(boolean dedupe) {
      this.dedupeReplays = dedupe;
      return this;
    }

    /** Builds the sink; throws {@link IllegalArgumentException} or {@link IllegalStateException} naming a problem. */
    public GcsSink build() {
      if (!BUCKET.matcher(bucket).matches()) {
        throw new IllegalArgumentException("bucket '" + bucket + "' is not a valid bucket name (3-222 characters: "
            + "lowercase letters, digits, '-', '_', '.')");
      }
      if (prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")) {
        throw new IllegalArgumentException("prefix must not start or end with '/' nor contain '//'");
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (linger.isNegative() || linger.compareTo(MAX_LINGER) > 0) {
        throw new IllegalArgumentException("linger must be between 0 and " + MAX_LINGER.toSeconds()
            + " s, well below the pipeline's write timeout");
      }
      if (maxBufferedEvents < 1 || maxBufferedBytes < 1) {
        throw new IllegalArgumentException("maxBufferedEvents and maxBufferedBytes must be positive");
      }
      if (storage != null) {
        if (emulatorHost != null || credentials != null || projectId != null) {
          throw new IllegalStateException("give either a Storage client or connection options "
              + "(projectId, emulatorHost, credentials), not both");
        }
        return new GcsSink(this, storage, false);
      }
      return new GcsSink(this, StorageClients.connect(projectId, emulatorHost, credentials), true);
    }
  }
}
