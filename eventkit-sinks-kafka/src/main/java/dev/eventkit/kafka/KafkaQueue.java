package dev.eventkit.kafka;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed queue over Kafka: collectors publish their write-ahead log to a topic, and workers — any number,
 * on any host — consume it in one consumer group and deliver to their sinks.
 *
 * <pre>
 * collector host(s)                                  worker host(s)
 * HTTP ─> log ─> cursor "kafka" ─> topic ─> consumer group ─> consumer loops ─> SinkDelivery ─> sinks
 *                 (moves only after the broker acked)          (offsets committed only after the sinks succeeded)
 * </pre>
 *
 * <p>{@link Role#PUBLISHER}: the log is read through one cursor (default {@code kafka}) by the core dispatcher,
 * every record is produced by an idempotent {@link KafkaSink} ({@code acks=all}), and the cursor moves past a
 * record only once the broker acknowledged it — so a crash or a broker outage never loses an accepted event, and
 * an event is in Kafka's keeping when {@link #drain} completes. Such a queue delivers to no sink here
 * ({@link #deliversToSinks()} is false): its pipeline is built without sinks.
 *
 * <p>{@link Role#WORKER}: {@link Builder#workers} consumer loops ({@link ConsumerWorker}) poll the topic in group
 * {@link Builder#groupId}, with {@code enable.auto.commit=false}, deliver each batch to the pipeline's sinks (each
 * through its own {@link SinkDelivery}: retries, splitting, dead letters, each target's {@code accepts} filter) and
 * commit offsets only after every sink delivered or dead-lettered the batch. A worker that dies commits nothing
 * more; its partitions go to the other workers after the session timeout, which read from the last commit, so
 * sinks must be idempotent by event id (at least once). A worker pipeline's log is not read: give it a {@code new
 * InMemoryRingBuffer()}. {@link Role#BOTH} does both in one process.
 *
 * <p>Topics: the broker creates the topic on first use when {@code auto.create.topics.enable} is on; otherwise
 * create it beforehand with as many partitions as workers should share the load.
 *
 * <p>Thread-safe. Failure modes: nothing is thrown after {@link #start}; broker and sink failures are retried and
 * show in {@link #status()} (the publisher as a status named after its cursor; each sink as its own, with lag =
 * events this process has polled but not yet delivered). Build with {@link #builder(String)}.
 */
public final class KafkaQueue implements Queue {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaQueue.class);

  /** What a process does with the topic. */
  public enum Role {
    /** Publish the local log; deliver nothing here (collector hosts). */
    PUBLISHER,
    /** Consume and deliver to this pipeline's sinks; the local log is unused (worker hosts). */
    WORKER,
    /** Both, in one process. */
    BOTH
  }

  private final Builder config;
  private KafkaSink sink;
  private Dispatcher publisher;
  private ScheduledExecutorService publisherLane;
  private final List<WorkerTarget> workerTargets = new ArrayList<>();
  private final List<ScheduledExecutorService> sinkLanes = new ArrayList<>();
  private final List<ConsumerWorker> workers = new ArrayList<>();
  private final List<Thread> workerThreads = new ArrayList<>();
  private boolean started;
  private boolean closed;

  private KafkaQueue(Builder b) {
    this.config = b;
  }

  /** A builder for the brokers at {@code bootstrapServers} ({@code host:port,...}). */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
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
    if (config.role != Role.WORKER) {
      startPublisher(log, metrics);
    }
    if (config.role != Role.PUBLISHER) {
      startWorkers(targets, metrics);
    }
    LOG.info("Kafka queue started as {} on topic {} / group {}", config.role, config.topic, config.groupId);
  }

  private void startPublisher(RingBuffer log, Metrics metrics) {
    sink = KafkaSink.builder(config.bootstrapServers).name(config.cursor).topic(config.topic).key(config.key)
        .properties(config.producerProperties).build();
    publisherLane = lane("eventkit-kafka-publisher");
    DeliveryTarget target = new DeliveryTarget(sink, e -> true, config.publishRetry, null,
        config.publishBatchSize);
    // The producer retries for up to delivery.timeout.ms (120 s by default) before a write fails.
    SinkDelivery delivery = new SinkDelivery(target, publisherLane, Duration.ofSeconds(150), config.clock, metrics);
    // Everything in the log is published (valid or not: the workers' sinks choose), and nothing is dead-lettered
    // here: a batch Kafka keeps refusing holds the cursor and shows in status().
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
    for (int i = 0; i < config.workers; i++) {
      ConsumerWorker w = new ConsumerWorker(config.consumerProperties(), config.topic, List.copyOf(workerTargets),
          Duration.ofSeconds(30));
      Thread thread = new Thread(w, "eventkit-kafka-worker-" + i);
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
   * Completes once the publisher's cursor is saved at {@code sequence}: from then on those events are in Kafka's
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

  /** The last log sequence the broker acknowledged (with all before it); 0 before any, or without a publisher. */
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
   * Stops polling, lets each consumer loop finish (and commit) the batch in hand within the shutdown grace, leaves
   * the rest uncommitted, stops publishing (unpublished records stay above the cursor in the log), and releases
   * the clients.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ConsumerWorker w : workers) {
      w.stop();
    }
    long deadline = System.nanoTime() + config.shutdownGrace.toNanos();
    for (int i = 0; i < workerThreads.size(); i++) {
      joinUntil(workerThreads.get(i), deadline);
      if (workerThreads.get(i).isAlive()) {
        workers.get(i).abandon();
        joinUntil(workerThreads.get(i), System.nanoTime() + TimeUnit.SECONDS.toNanos(35));
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
   * Configures a {@link KafkaQueue}; not thread-safe. Defaults: role {@link Role#BOTH}, topic {@code
   * eventkit-events}, group {@code eventkit-workers}, 2 consumer loops of up to 500 records per poll, cursor
   * {@code kafka}, key = event id, publish batches of 500 with 4 in flight and exponential publish retries capped
   * at 10 s, 60 s sink writes, a 10 s shutdown grace. {@link #build()} throws {@link IllegalArgumentException}
   * naming a bad setting.
   */
  public static final class Builder {
    private final String bootstrapServers;
    private Role role = Role.BOTH;
    private String topic = "eventkit-events";
    private String groupId = "eventkit-workers";
    private int workers = 2;
    private int maxPollRecords = 500;
    private String cursor = "kafka";
    private Function<Envelope, String> key = KafkaKeys.eventId();
    private int publishBatchSize = 500;
    private int publishBatchesInFlight = 4;
    private RetryPolicy publishRetry = RetryPolicy.builder().maxDelay(Duration.ofSeconds(10)).build();
    private Duration writeTimeout = Duration.ofSeconds(60);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private Map<String, Object> producerProperties = new HashMap<>();
    private Map<String, Object> consumerProperties = new HashMap<>();

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    /** Publisher (collector hosts), worker (worker hosts) or both. */
    public Builder role(Role role) {
      this.role = Objects.requireNonNull(role, "role");
      return this;
    }

    public Builder topic(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
      return this;
    }

    /** The consumer group the workers share ({@code group.id}). */
    public Builder groupId(String groupId) {
      this.groupId = Objects.requireNonNull(groupId, "groupId");
      return this;
    }

    /** Consumer loops in a worker process (1-64), each its own consumer in the group. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** {@code max.poll.records}: the most records one loop holds at a time (1-10000); bounds a worker's memory. */
    public Builder maxPollRecords(int max) {
      this.maxPollRecords = max;
      return this;
    }

    /** The name of the publisher's cursor in the log. */
    public Builder cursor(String cursor) {
      this.cursor = Objects.requireNonNull(cursor, "cursor");
      return this;
    }

    /** The record key of each published event; see {@link KafkaKeys}. */
    public Builder key(Function<Envelope, String> key) {
      this.key = Objects.requireNonNull(key, "key");
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

    /** How failed publishes are retried; never gives up (the log keeps the events meanwhile). */
    public Builder publishRetry(RetryPolicy retry) {
      this.publishRetry = Objects.requireNonNull(retry, "publishRetry");
      return this;
    }

    /** How long one sink write on a worker may take before it counts as a retryable failure. */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Objects.requireNonNull(timeout, "writeTimeout");
      return this;
    }

    /** How long {@link #close()} lets consumer loops finish the batch in hand. */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Objects.requireNonNull(grace, "shutdownGrace");
      return this;
    }

    /** A producer property for the publisher (security, linger, compression); see {@link KafkaSink.Builder}. */
    public Builder producerProperty(String key, Object value) {
      producerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * A consumer property for the workers (security, {@code session.timeout.ms}, ...); {@code group.id}, {@code
     * enable.auto.commit} and the deserializers are the queue's own and cannot be set here.
     */
    public Builder consumerProperty(String key, Object value) {
      consumerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    Properties consumerProperties() {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
      // A group that has never committed starts at the beginning: events published before the first worker
      // joined are delivered too.
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.putAll(consumerProperties);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      return p;
    }

    public KafkaQueue build() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers must not be blank");
      }
      if (topic.isEmpty() || topic.length() > 249 || !topic.matches("[a-zA-Z0-9._-]+")) {
        throw new IllegalArgumentException("topic must be 1-249 characters of a-z, A-Z, 0-9, '.', '_', '-'");
      }
      if (groupId.isBlank()) {
        throw new IllegalArgumentException("groupId must not be blank");
      }
      if (workers < 1 || workers > 64) {
        throw new IllegalArgumentException("workers must be between 1 and 64");
      }
      if (maxPollRecords < 1 || maxPollRecords > 10_000) {
        throw new IllegalArgumentException("maxPollRecords must be between 1 and 10000");
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
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("writeTimeout must be positive");
      }
      if (shutdownGrace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must be >= 0");
      }
      for (String k : List.of(ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG)) {
        if (consumerProperties.containsKey(k)) {
          throw new IllegalArgumentException(k + " is set by the queue");
        }
      }
      return new KafkaQueue(copy());
    }

    /** A snapshot, so that changing this builder later does not change a built queue. */
    private Builder copy() {
      Builder c = new Builder(bootstrapServers);
      c.role = role;
      c.topic = topic;
      c.groupId = groupId;
      c.workers = workers;
      c.maxPollRecords = maxPollRecords;
      c.cursor = cursor;
      c.key = key;
      c.publishBatchSize = publishBatchSize;
      c.publishBatchesInFlight = publishBatchesInFlight;
      c.publishRetry = publishRetry;
      c.writeTimeout = writeTimeout;
      c.shutdownGrace = shutdownGrace;
      c.clock = clock;
      c.producerProperties = new HashMap<>(producerProperties);
      c.consumerProperties = new HashMap<>(consumerProperties);
      return c;
    }
  }
}
