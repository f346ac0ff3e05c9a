package dev.eventkit.gcp.firestore;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.cloud.ServiceOptions;
import com.google.cloud.firestore.BulkWriter;
import com.google.cloud.firestore.BulkWriterOptions;
import com.google.cloud.firestore.DocumentReference;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.FirestoreException;
import com.google.cloud.firestore.FirestoreOptions;
import com.google.common.util.concurrent.MoreExecutors;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.internal.ClientHeaders;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores each event as a Firestore document ({@link FirestoreDocuments} describes the fields) whose id is the
 * event id, in one collection per stream ({@code <prefix><stream>}, prefix {@code events_} by default).
 *
 * <p>Replays are idempotent: a document is set (overwritten), never added, so an event delivered twice — after a
 * crash, or by two workers — is still one document. Two events with the same id in one batch leave the later one.
 *
 * <p>Writes go through one long-lived {@link BulkWriter} per sink (non-atomic, in parallel), throttled the way
 * Firestore's best practices ask of a new write load: 500 operations per second at first, 50% more every 5 minutes
 * of traffic (without an upper bound), so the budget carries over from batch to batch instead of starting afresh.
 * Writes beyond it wait in the writer; keep the pipeline's batches well below what the write timeout allows at 500
 * per second. The writer is closed (its pending writes sent) when the sink is, and replaced by a fresh one after a
 * write failed or stalled for 45 s (the client's writer can keep writes it never sends after failed calls).
 * Neither the sink, the writer nor the client retries by itself (the writer's error listener declines, the client's
 * retry settings are one attempt per call): the pipeline's retry policy is the only one. Transient failures
 * (unavailable, deadline, contention, quota) are reported per document as retryable ({@link WriteResult#partial}).
 * When Firestore refuses a document as malformed or too large (over 1 MiB), the batch is refused as a whole for
 * good: Firestore may fail a document's neighbours in the same request with it, and a whole-batch refusal makes the
 * pipeline split the batch until the bad document stands alone and goes to the dead-letter sink. An event id too
 * long for a document id fails alone and for good.
 *
 * <p>Connection: Application Default Credentials by default; with {@link Builder#emulatorHost} the emulator. Note
 * that the Firestore client also honours {@code FIRESTORE_EMULATOR_HOST} from the environment by itself.
 *
 * <p>Payload and context data are stored as JSON text by default, one field each, so that Firestore does not index
 * them field by field; {@link Builder#payloadAsMaps} stores them as maps instead.
 *
 * <p>Thread-safe: writes may overlap.
 */
public final class FirestoreSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(FirestoreSink.class);
  /** How long closing waits for the writes the writer still holds. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
  /** How long a batch may wait for its writes before the writer is taken for stalled (below the write timeout). */
  private static final Duration STALLED_AFTER = Duration.ofSeconds(45);

  private final String name;
  private final String collectionPrefix;
  private final Firestore firestore;
  private final boolean ownsClient;
  private final ScheduledExecutorService writerExecutor;
  private final boolean hashedDocumentIds;
  private final boolean payloadAsMaps;
  private volatile BulkWriter writer;
  private volatile boolean closed;

  private FirestoreSink(Builder b) {
    this.name = b.name;
    this.collectionPrefix = b.collectionPrefix;
    this.hashedDocumentIds = b.hashedDocumentIds;
    this.payloadAsMaps = b.payloadAsMaps;
    AtomicInteger threads = new AtomicInteger();
    this.writerExecutor = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "eventkit-firestore-" + b.name + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (b.firestore != null) {
      this.firestore = b.firestore;
      this.ownsClient = false;
    } else {
      FirestoreOptions.Builder o = FirestoreOptions.newBuilder().setProjectId(b.projectId)
          .setHeaderProvider(ClientHeaders.provider())
          // One attempt per call: the client would otherwise retry BatchWrite on its own for up to a minute, on
          // top of the pipeline's retries, and hold the write meanwhile.
          .setRetrySettings(ServiceOptions.getNoRetrySettings());
      if (b.databaseId != null) {
        o.setDatabaseId(b.databaseId);
      }
      if (b.emulatorHost != null) {
        // The client then uses plaintext and the emulator's own credentials. Setting no-credentials as well would
        // make it talk to the real service instead.
        o.setEmulatorHost(b.emulatorHost);
      } else if (b.credentials != null) {
        o.setCredentialsProvider(b.credentials);
      }
      this.firestore = o.build().getService();
      this.ownsClient = true;
    }
    this.writer = newWriter();
  }

  /**
   * One writer for as long as writes succeed, so that its throttle ramps up with the traffic (throttling is on by
   * default). Its callbacks run on the sink's executor, never on the caller's thread.
   */
  private BulkWriter newWriter() {
    BulkWriter w = firestore.bulkWriter(BulkWriterOptions.builder().setExecutor(writerExecutor).build());
    // The pipeline owns retries (with backoff, dead letters and status); the writer must not retry on its own.
    w.addWriteErrorListener(error -> false);
    return w;
  }

  /**
   * Replaces a writer that failed writes or stalled. The client's BulkWriter can be left holding writes it never
   * sends after its calls failed (seen across a Firestore restart), and then holds every later write behind them;
   * a fresh writer starts its throttle over at 500 writes per second, as Firestore asks after a disruption too.
   * The old one is abandoned, not closed (closing waits for the writes it holds).
   */
  private synchronized void replaceWriter(BulkWriter failed) {
    if (writer == failed && !closed) {
      writer = newWriter();
    }
  }

  /** A builder for a sink writing to the default database of project {@code projectId}. */
  public static Builder builder(String projectId) {
    return new Builder(projectId);
  }

  @Override
  public String name() {
    return name;
  }

  /** The collection a stream's events are stored in. */
  public String collectionFor(String stream) {
    return FirestoreDocuments.collectionId(collectionPrefix, stream);
  }

  /** The document an event is stored as. */
  public DocumentReference documentFor(Envelope e) {
    return firestore.collection(collectionFor(e.stream())).document(documentId(e.id()));
  }

  private String documentId(String eventId) {
    return hashedDocumentIds ? FirestoreDocuments.hashedDocumentId(eventId) : FirestoreDocuments.documentId(eventId);
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    if (closed) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("sink is closed")));
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(WriteResult.success());
    }
    Map<Integer, Failure> failures = new ConcurrentHashMap<>();
    // One write per document: BulkWriter refuses the same document twice in a batch, and the later event wins.
    Map<String, Integer> lastIndexByPath = new LinkedHashMap<>();
    Map<String, List<Integer>> indicesByPath = new HashMap<>();
    Map<String, DocumentReference> refs = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Envelope e = batch.get(i);
      String docId = documentId(e.id());
      String collection = collectionFor(e.stream());
      if (!FirestoreDocuments.fits(docId) || !FirestoreDocuments.fits(collection)) {
        failures.put(i, Failure.permanent("event id or stream too long for a Firestore id"));
        continue;
      }
      DocumentReference ref = firestore.collection(collection).document(docId);
      String path = ref.getPath();
      refs.put(path, ref);
      lastIndexByPath.put(path, i);
      indicesByPath.computeIfAbsent(path, k -> new ArrayList<>()).add(i);
    }
    if (lastIndexByPath.isEmpty()) {
      return CompletableFuture.completedFuture(WriteResult.partial(failures));
    }
    CompletableFuture<WriteResult> result = new CompletableFuture<>();
    BulkWriter writer = this.writer;
    AtomicInteger pending = new AtomicInteger(lastIndexByPath.size());
    AtomicBoolean refusedByServer = new AtomicBoolean();
    int documents = lastIndexByPath.size();
    Runnable oneDone = () -> {
      if (pending.decrementAndGet() == 0) {
        if (refusedByServer.get() && documents > 1) {
          // Firestore may refuse a whole request for one bad document (the emulator does), failing its neighbours
          // too. Refusing the batch as a whole makes the pipeline halve it until the bad documents stand alone;
          // documents already written are simply set again.
          result.complete(WriteResult.failed(Failure.permanent("Firestore refused a document of the batch")));
        } else {
          result.complete(WriteResult.partial(failures));
        }
      }
    };
    for (Map.Entry<String, Integer> doc : lastIndexByPath.entrySet()) {
      List<Integer> indices = indicesByPath.get(doc.getKey());
      ApiFuture<com.google.cloud.firestore.WriteResult> written;
      try {
        written = writer.set(refs.get(doc.getKey()),
            FirestoreDocuments.toDocument(batch.get(doc.getValue()), payloadAsMaps));
      } catch (RuntimeException e) {
        // The client refused the document before sending it (a value it cannot encode), or the sink is closing.
        Failure f = closed ? Failure.retryable("sink is closed")
            : Failure.permanent("document refused: " + e.getClass().getSimpleName());
        for (int i : indices) {
          failures.put(i, f);
        }
        oneDone.run();
        continue;
      }
      ApiFutures.addCallback(written, new ApiFutureCallback<com.google.cloud.firestore.WriteResult>() {
        @Override
        public void onSuccess(com.google.cloud.firestore.WriteResult r) {
          oneDone.run();
        }

        @Override
        public void onFailure(Throwable error) {
          Failure f = classify(error);
          if (!f.retryable()) {
            refusedByServer.set(true);
          } else {
            replaceWriter(writer);
          }
          for (int i : indices) {
            failures.put(i, f);
          }
          oneDone.run();
        }
      }, MoreExecutors.directExecutor());
    }
    // Sends what this batch left in the writer's current request; the results come through the futures above.
    writer.flush();
    try {
      writerExecutor.schedule(() -> {
        if (!result.isDone()) {
          replaceWriter(writer);
          result.complete(WriteResult.failed(Failure.retryable("Firestore writes stalled for " + STALLED_AFTER)));
        }
      }, STALLED_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.complete(WriteResult.failed(Failure.retryable("sink is closed")));
    }
    return result;
  }

  /** Only a refused document is permanent; the service being away, slow or busy is worth retrying. */
  static Failure classify(Throwable error) {
    Status.Code code = null;
    for (Throwable t = error; t != null && code == null; t = t.getCause()) {
      if (t instanceof FirestoreException && ((FirestoreException) t).getStatus() != null) {
        code = ((FirestoreException) t).getStatus().getCode();
      } else if (t instanceof ApiException) {
        code = Status.Code.valueOf(((ApiException) t).getStatusCode().getCode().name());
      } else if (t instanceof io.grpc.StatusRuntimeException) {
        code = ((io.grpc.StatusRuntimeException) t).getStatus().getCode();
      }
    }
    String reason = code != null ? "Firestore " + code : error.getClass().getSimpleName();
    return code == Status.Code.INVALID_ARGUMENT ? Failure.permanent(reason) : Failure.retryable(reason);
  }

  /** Sends the writer's pending writes and closes it, then the client unless it was given by the caller. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // Bounded: against a service that stopped answering, close() alone would wait for every pending write.
      writer.flush().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      writer.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      LOG.warn("sink {} closed with Firestore writes still pending after {}; they stay in the log", name, CLOSE_WAIT);
    } catch (Exception e) {
      LOG.warn("closing the Firestore writer of sink {} failed: {}", name, e.toString());
    }
    writerExecutor.shutdown();
    if (ownsClient) {
      try {
        firestore.close();
      } catch (Exception e) {
        LOG.warn("closing the Firestore client of sink {} failed: {}", name, e.toString());
      }
    }
  }

  /**
   * Configures a {@link FirestoreSink}; not thread-safe. Defaults: name {@code firestore}, the {@code (default)}
   * database, collections {@code events_<stream>}, Application Default Credentials. {@link #build()} throws
   * {@link IllegalArgumentException} for a missing project or a prefix Firestore cannot use.
   */
  public static final class Builder {
    private final String projectId;
    private String name = "firestore";
    private String databaseId;
    private String emulatorHost;
    private CredentialsProvider credentials;
    private String collectionPrefix = "events_";
    private boolean hashedDocumentIds;
    private boolean payloadAsMaps;
    private Firestore firestore;

    private Builder(String projectId) {
      this.projectId = projectId;
    }

    /** The sink's name (and so its cursor's name in the log). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** A named database instead of {@code (default)}. */
    public Builder databaseId(String databaseId) {
      this.databaseId = Objects.requireNonNull(databaseId, "databaseId");
      return this;
    }

    /** Talk to the Firestore emulator at {@code host:port}. */
    public Builder emulatorHost(String hostAndPort) {
      this.emulatorHost = hostAndPort;
      return this;
    }

    /** Credentials other than Application Default Credentials (ignored with an emulator). */
    public Builder credentialsProvider(CredentialsProvider credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** Collections are named prefix + stream; the prefix may be empty. */
    public Builder collectionPrefix(String prefix) {
      this.collectionPrefix = Objects.requireNonNull(prefix, "collectionPrefix");
      return this;
    }

    /**
     * Whether document ids are a hash of the event id ({@link FirestoreDocuments#hashedDocumentId}) instead of the
     * (escaped) event id itself; off by default, for compatibility with documents already stored. Turn it on for
     * time-ordered event ids (UUIDv7, {@code ajs-next-<timestamp>}), which otherwise make a write hot spot. The
     * event id stays in field {@code id}; {@link FirestoreSink#documentFor} names the document either way.
     */
    public Builder hashedDocumentIds(boolean hashed) {
      this.hashedDocumentIds = hashed;
      return this;
    }

    /**
     * Whether payload and context data are stored as maps, queryable field by field, where a map can hold them
     * exactly ({@link FirestoreDocuments#toDocument(Envelope, boolean)}); off by default: they are stored as JSON
     * text ({@code payloadJson}, {@code contexts[].dataJson}), one index entry each, because Firestore indexes every
     * nested field of a map unless exempted (write cost, latency, and the 40,000 index entries per document limit).
     * Documents of either form are read back by {@link FirestoreDocuments#toEnvelope}. With maps, exempt
     * {@code payload} and {@code contexts} from indexing (the module's {@code scripts/firestore-index-exemptions.sh}).
     */
    public Builder payloadAsMaps(boolean asMaps) {
      this.payloadAsMaps = asMaps;
      return this;
    }

    /** Uses a client the caller configured and closes; project, database and connection settings are then its. */
    public Builder firestore(Firestore firestore) {
      this.firestore = Objects.requireNonNull(firestore, "firestore");
      return this;
    }

    public FirestoreSink build() {
      if (firestore == null && (projectId == null || projectId.isBlank())) {
        throw new IllegalArgumentException("a Google Cloud project id is required");
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("the sink name must not be blank");
      }
      if (collectionPrefix.contains("/")) {
        throw new IllegalArgumentException("collectionPrefix must not contain '/'");
      }
      return new FirestoreSink(this);
    }
  }
}
