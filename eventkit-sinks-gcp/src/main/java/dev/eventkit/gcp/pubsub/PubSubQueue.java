package dev.eventkit.gcp.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.Queue;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.delivery.Dispatcher;
import dev.eventkit.internal.delivery.SinkDelivery;
import dev.eventkit.internal.delivery.WorkerTarget;
import dev.eventkit.metrics.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed queue: collectors publish their write-ahead log to a Pub/Sub topic, and workers — any number,
 * on any host — pull from one shared subscription and deliver to their sinks.
 *
 * <pre>
 * collector host(s)                                   worker host(s)
 * HTTP ─> log ─> cursor "pubsub" ─> topic ─> subscription ─> pull loops ─> SinkDelivery ─> sinks
 *                 (moves only after Pub/Sub acked)                (ack only after the sinks succeeded)
 * </pre>
 *
 * <p>{@link Role#PUBLISHER}: the log is read through one cursor (default {@code pubsub}), every record is
 * published ({@link PubSubMessages}), and the cursor moves past a record only once Pub/Sub acknowledged it — so
 * a crash or an outage never loses an accepted event, and an event is in Pub/Sub's keeping when {@link #drain}
 * returns true. Such a queue delivers to no sink here ({@link #deliversToSinks()} is false): its pipeline is
 * built without sinks.
 *
 * <p>{@link Role#WORKER}: {@link Builder#workers} pull loops take messages from the subscription, deliver them to
 * the pipeline's sinks (each through its own {@link SinkDelivery}: retries, splitting, dead letters, each target's
 * {@code accepts} filter) and acknowledge a message only after every sink delivered or dead-lettered it. A worker
 * that dies leaves its messages unacknowledged; Pub/Sub redelivers them after the ack deadline, so sinks must be
 * idempotent by event id (at-least-once). A worker pipeline's log is not read: give it a {@code
 * new InMemoryRingBuffer()}. {@link Role#BOTH} does both in one process.
 *
 * <p>Missing topics and subscriptions are created (an emulator forgets them when it restarts). The publisher
 * creates the subscription together with the topic, so that messages published before the first worker starts
 * are kept. Subscriptions are created with the builder's ack deadline and no expiry.
 *
 * <p>Thread-safe. Failure modes: nothing is thrown after {@link #start}; Pub/Sub and sink failures are retried and
 * show in {@link #status()} (the publisher as a status named after its cursor; each sink as its own, with lag =
 * events this process has pulled but not yet delivered). Build with {@link #builder(String)}.
 */
public final class PubSubQueue implements Queue {

  private static final Logger LOG = LoggerFactory.getLogger(PubSubQueue.class);

  /** What a process does with the topic. */
  public enum Role {
    /** Publish the local log; deliver nothing here (collector hosts). */
    PUBLISHER,
    /** Pull and deliver to this pipeline's sinks; the local log is unused (worker hosts). */
    WORKER,
    /** Both, in one process. */
    BOTH
  }

  private final Builder config;
  private PubSubConnection connection;
  private PubSubSink sink;
  private Dispatcher publisher;
  private ScheduledExecutorService publisherLane;
  private SubscriptionAdminClient pullClient;
  private final List<WorkerTarget> workerTargets = new ArrayList<>();
  private final List<ScheduledExecutorService> sinkLanes = new ArrayList<>();
  private final List<PullWorker> workers = new ArrayList<>();
  private final List<Thread> workerThreads = new ArrayList<>();
  private boolean started;
  private boolean closed;

  private PubSubQueue(Builder b) {
    this.config = b;
  }

  /** A builder for project {@code projectId}. */
  public static Builder builder(String projectId) {
    return new Builder(projectId);
  }

  public Role role() {
    return config.role;
  }

  @Override
  public boolean deliversToSinks() {
    return config.role != Role.PUBLISHER;
  }

  @Override
  public synchronized void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics) {
    if (started) {
      throw new IllegalStateException("already started");
    }
    if (closed) {
      throw new IllegalStateException("closed");
    }
    started = true;
    connection = new PubSubConnection(config.projectId, config.emulatorHost, config.credentials);
    if (config.role != Role.WORKER) {
      startPublisher(log, metrics);
    }
    if (config.role != Role.PUBLISHER) {
      startWorkers(targets, metrics);
    }
    LOG.info("Pub/Sub queue started as {} on topic {} / subscription {}", config.role, config.topic,
        config.subscription);
  }

  private void startPublisher(RingBuffer log, Metrics metrics) {
    PubSubSink.Builder sb = PubSubSink.builder(config.projectId, config.topic)
        .name(config.cursor)
        .connection(connection)
        .createTopicIfMissing(config.createIfMissing)
        .publishTimeout(config.publishTimeout);
    if (config.createIfMissing) {
      sb.ensureSubscription(config.subscription, config.ackDeadline);
    }
    if (config.orderingKey != null) {
      sb.orderingKey(config.orderingKey);
    }
    sink = sb.build();
    publisherLane = lane("eventkit-pubsub-publisher");
    if (config.createIfMissing) {
      // Best effort, off the caller's thread: a publish that finds no topic repairs it again later.
      publisherLane.execute(() -> {
        try {
          sink.ensureTopic();
        } catch (RuntimeException e) {
          LOG.info("cannot check Pub/Sub topic {} yet ({}); publishing will retry", config.topic,
              RpcFailures.classify(e).reason());
        }
      });
    }
    DeliveryTarget target = new DeliveryTarget(sink, e -> true, config.publishRetry, null,
        config.publishBatchSize);
    SinkDelivery delivery = new SinkDelivery(target, publisherLane, config.publishTimeout.plusSeconds(30),
        config.clock, metrics);
    // Everything in the log is published (valid or not: the workers' sinks choose), and nothing is dead-lettered
    // here: a batch Pub/Sub keeps refusing holds the cursor and shows in status().
    publisher = new Dispatcher(log, config.cursor, delivery, config.publishBatchesInFlight, publisherLane,
        config.clock);
    publisher.start();
  }

  private void startWorkers(List<DeliveryTarget> targets, Metrics metrics) {
    for (DeliveryTarget t : targets) {
      ScheduledExecutorService l = lane("eventkit-sink-" + t.name());
      sinkLanes.add(l);
      workerTargets.add(new WorkerTarget(new SinkDelivery(t, l, config.writeTimeout, config.clock, metrics),
          config.clock));
    }
    pullClient = connection.newPullClient(config.pullTimeout);
    for (int i = 0; i < config.workers; i++) {
      PullWorker w = new PullWorker(connection, pullClient, config.subscription, config.topic, config.ackDeadline,
          config.createIfMissing, config.maxMessagesPerPull, config.maxBytesPerPull, List.copyOf(workerTargets));
      Thread thread = new Thread(w, "eventkit-pubsub-worker-" + i);
      thread.setDaemon(true);
      workers.add(w);
      workerThreads.add(thread);
      thread.start();
    }
  }

  private static ScheduledExecutorService lane(String name) {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Completes once the publisher's cursor is saved at {@code sequence}: from then on those events are in Pub/Sub's
   * keeping. A worker-only queue reads no log and completes at once.
   */
  @Override
  public CompletableFuture<Void> drain(long sequence) {
    Dispatcher p;
    synchronized (this) {
      p = publisher;
    }
    return p == null ? CompletableFuture.completedFuture(null) : p.committedAtLeast(sequence);
  }

  /** The last log sequence Pub/Sub acknowledged (with all before it); 0 before any, or without a publisher. */
  public long publishedSequence() {
    Dispatcher p;
    synchronized (this) {
      p = publisher;
    }
    return p == null ? 0 : p.committed();
  }

  @Override
  public synchronized List<SinkStatus> status() {
    List<SinkStatus> out = new ArrayList<>();
    if (publisher != null) {
      out.add(publisher.status());
    }
    for (WorkerTarget t : workerTargets) {
      out.add(t.status());
    }
    return out;
  }

  /**
   * Stops pulling, lets each pull loop finish (and acknowledge) the batch in hand within the shutdown grace, hands
   * back what is left unacknowledged, stops publishing (unpublished records stay above the cursor in the log), and
   * releases the clients.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (PullWorker w : workers) {
      w.stop();
    }
    long deadline = System.nanoTime() + config.shutdownGrace.toNanos();
    for (int i = 0; i < workerThreads.size(); i++) {
      joinUntil(workerThreads.get(i), deadline);
      if (workerThreads.get(i).isAlive()) {
        workers.get(i).abandon();
        joinUntil(workerThreads.get(i), System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
      }
    }
    for (WorkerTarget t : workerTargets) {
      t.stop();
    }
    if (publisher != null) {
      publisher.stop();
    }
    List<ScheduledExecutorService> lanes = new ArrayList<>(sinkLanes);
    if (publisherLane != null) {
      lanes.add(publisherLane);
    }
    for (ScheduledExecutorService l : lanes) {
      l.shutdownNow();
    }
    for (ScheduledExecutorService l : lanes) {
      try {
        l.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (sink != null) {
      sink.close();
    }
    if (pullClient != null) {
      pullClient.close();
    }
    if (connection != null) {
      connection.close();
    }
  }

  private static void joinUntil(Thread t, long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      return;
    }
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Configures a {@link PubSubQueue}; not thread-safe. Defaults: role {@link Role#BOTH}, topic {@code
   * eventkit-events}, subscription {@code eventkit-workers}, 4 pull loops of up to 500 messages, a 60 s ack
   * deadline, cursor {@code pubsub}, publish batches of 500 with 4 in flight, a 30 s publish budget and
   * exponential publish retries capped at 10 s, 60 s sink writes, a 10 s shutdown grace, Application Default
   * Credentials, missing topics and subscriptions created. {@link #build()} throws
   * {@link IllegalArgumentException} naming a bad setting.
   */
  public static final class Builder {
    private final String projectId;
    private Role role = Role.BOTH;
    private String topic = "eventkit-events";
    private String subscription = "eventkit-workers";
    private String emulatorHost;
    private CredentialsProvider credentials;
    private int workers = 4;
    private int maxMessagesPerPull = 500;
    private long maxBytesPerPull = 64L * 1024 * 1024;
    private Duration ackDeadline = Duration.ofSeconds(60);
    private Duration pullTimeout = Duration.ofSeconds(20);
    private String cursor = "pubsub";
    private int publishBatchSize = 500;
    private int publishBatchesInFlight = 4;
    private Duration publishTimeout = Duration.ofSeconds(30);
    private RetryPolicy publishRetry = RetryPolicy.builder().maxDelay(Duration.ofSeconds(10)).build();
    private Function<Envelope, String> orderingKey;
    private Duration writeTimeout = Duration.ofSeconds(60);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Boolean createIfMissing;
    private Clock clock = Clock.systemUTC();

    private Builder(String projectId) {
      this.projectId = projectId;
    }

    /** Publisher (collector hosts), worker (worker hosts) or both. */
    public Builder role(Role role) {
      this.role = Objects.requireNonNull(role, "role");
      return this;
    }

    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** The subscription workers share; the publisher also keeps it in existence. */
    public Builder subscription(String subscription) {
      this.subscription = subscription;
      return this;
    }

    /** Talk to the Pub/Sub emulator at {@code host:port} in plaintext, without credentials. */
    public Builder emulatorHost(String hostAndPort) {
      this.emulatorHost = hostAndPort;
      return this;
    }

    /** Credentials other than Application Default Credentials (ignored with an emulator). */
    public Builder credentialsProvider(CredentialsProvider credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** Pull loops in a worker process ({@code EVENTKIT_PUBSUB_WORKERS}), 1-64. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** The most messages one pull loop holds at a time (1-1000); bounds a worker's memory. */
    public Builder maxMessagesPerPull(int max) {
      this.maxMessagesPerPull = max;
      return this;
    }

    /**
     * The most message bytes one pull loop holds at a time (64 MiB by default; a single larger message is still
     * taken): with messages up to 10 MB, a count alone would let 500 of them take 5 GB.
     */
    public Builder maxBytesPerPull(long bytes) {
      this.maxBytesPerPull = bytes;
      return this;
    }

    /**
     * How long a pulled message stays leased without news from its worker (10-600 s): the time after which a
     * dead worker's messages go to another. Live workers extend the lease while their sinks retry.
     */
    public Builder ackDeadline(Duration deadline) {
      this.ackDeadline = Objects.requireNonNull(deadline, "ackDeadline");
      return this;
    }

    /** How long one pull waits for messages (1-60 s). */
    public Builder pullTimeout(Duration timeout) {
      this.pullTimeout = Objects.requireNonNull(timeout, "pullTimeout");
      return this;
    }

    /** The name of the publisher's cursor in the log. */
    public Builder cursor(String cursor) {
      this.cursor = Objects.requireNonNull(cursor, "cursor");
      return this;
    }

    /** Records read from the log and published per batch (1-10000). */
    public Builder publishBatchSize(int size) {
      this.publishBatchSize = size;
      return this;
    }

    /** Batches being published at once (1-64); the cursor moves over the acknowledged prefix. */
    public Builder publishBatchesInFlight(int batches) {
      this.publishBatchesInFlight = batches;
      return this;
    }

    /** How long the client retries one message before the batch is retried by the publisher (at least 10 s). */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Objects.requireNonNull(timeout, "publishTimeout");
      return this;
    }

    /** Backoff between publish attempts; publishing never gives up (the log keeps the events meanwhile). */
    public Builder publishRetry(RetryPolicy retry) {
      this.publishRetry = Objects.requireNonNull(retry, "publishRetry");
      return this;
    }

    /** Publishes with an ordering key taken from each envelope; workers still see redeliveries. */
    public Builder orderingKey(Function<Envelope, String> orderingKey) {
      this.orderingKey = Objects.requireNonNull(orderingKey, "orderingKey");
      return this;
    }

    /** How long one sink write on a worker may take before it counts as a retryable failure. */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Objects.requireNonNull(timeout, "writeTimeout");
      return this;
    }

    /** How long {@link #close()} lets pull loops finish the batch in hand. */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Objects.requireNonNull(grace, "shutdownGrace");
      return this;
    }

    /**
     * Whether missing topics and subscriptions are created (needs the Pub/Sub Editor role). Default: on with an
     * emulator, off against the real service, where an operator creates them.
     */
    public Builder createIfMissing(boolean create) {
      this.createIfMissing = create;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public PubSubQueue build() {
      PubSubNames.checkProject(projectId);
      PubSubNames.check("topic", topic);
      PubSubNames.check("subscription", subscription);
      if (workers < 1 || workers > 64) {
        throw new IllegalArgumentException("workers must be between 1 and 64");
      }
      if (maxBytesPerPull < 1) {
        throw new IllegalArgumentException("maxBytesPerPull must be positive");
      }
      if (maxMessagesPerPull < 1 || maxMessagesPerPull > 1000) {
        throw new IllegalArgumentException("maxMessagesPerPull must be between 1 and 1000");
      }
      if (ackDeadline.compareTo(Duration.ofSeconds(10)) < 0 || ackDeadline.compareTo(Duration.ofSeconds(600)) > 0) {
        throw new IllegalArgumentException("ackDeadline must be between 10 s and 600 s");
      }
      if (pullTimeout.compareTo(Duration.ofSeconds(1)) < 0 || pullTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("pullTimeout must be between 1 s and 60 s");
      }
      if (cursor.isBlank()) {
        throw new IllegalArgumentException("cursor must not be blank");
      }
      if (publishBatchSize < 1 || publishBatchSize > 10_000) {
        throw new IllegalArgumentException("publishBatchSize must be between 1 and 10000");
      }
      if (publishBatchesInFlight < 1 || publishBatchesInFlight > 64) {
        throw new IllegalArgumentException("publishBatchesInFlight must be between 1 and 64");
      }
      if (publishTimeout.compareTo(Duration.ofSeconds(10)) < 0) {
        throw new IllegalArgumentException("publishTimeout must be at least 10 s (the client's minimum)");
      }
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("writeTimeout must be positive");
      }
      if (shutdownGrace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must be >= 0");
      }
      return new PubSubQueue(copy());
    }

    /** A snapshot, so that changing this builder later does not change a built queue. */
    private Builder copy() {
      Builder c = new Builder(projectId);
      c.role = role;
      c.topic = topic;
      c.subscription = subscription;
      c.emulatorHost = emulatorHost;
      c.credentials = credentials;
      c.workers = workers;
      c.maxMessagesPerPull = maxMessagesPerPull;
      c.maxBytesPerPull = maxBytesPerPull;
      c.ackDeadline = ackDeadline;
      c.pullTimeout = pullTimeout;
      c.cursor = cursor;
      c.publishBatchSize = publishBatchSize;
      c.publishBatchesInFlight = publishBatchesInFlight;
      c.publishTimeout = publishTimeout;
      c.publishRetry = publishRetry;
      c.orderingKey = orderingKey;
      c.writeTimeout = writeTimeout;
      c.shutdownGrace = shutdownGrace;
      // Off against the real service (topics and subscriptions are an operator's), on with an emulator.
      c.createIfMissing = createIfMissing != null ? createIfMissing : emulatorHost != null;
      c.clock = clock;
      return c;
    }
  }
}
