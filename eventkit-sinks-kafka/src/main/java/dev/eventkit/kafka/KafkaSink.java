package dev.eventkit.kafka;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces envelopes to Kafka, one record each (see {@link KafkaRecords} for value and headers), through an
 * idempotent producer ({@code enable.idempotence=true}, {@code acks=all}): a broker that restarts or a retried
 * request never duplicates or reorders a record within the producer's session. A write succeeds for an event only
 * once the broker acknowledged its record; records the producer gave up on are reported one by one
 * ({@link WriteResult#partial}): retryable for {@code RetriableException}s (timeouts, an unreachable broker, a
 * leader change), permanent — so the pipeline dead-letters them — for a record too large, an invalid topic or
 * missing authorization ({@link KafkaFailures}).
 *
 * <p>Topic: {@code prefix + stream} per event ({@link Builder#topicPerStream}) or one fixed topic. Key:
 * {@link Builder#key} (the event id by default; see {@link KafkaKeys}). Batching ({@code linger.ms},
 * {@code batch.size}), compression and any other producer property are set on the builder.
 *
 * <p>Replays: delivery is at least once across process restarts (a new producer session does not know what the
 * old one sent), so a consumer may see an event twice; the {@value KafkaRecords#EVENT_ID} header identifies it.
 *
 * <p>Blocking: a send waits at most {@link Builder#maxBlock} for the topic's metadata when the broker is unreachable;
 * after the first record of a batch timed out there, the rest of the batch fails at once as retryable instead of
 * waiting in turn. Thread-safe: writes may overlap.
 */
public final class KafkaSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

  private final String name;
  private final Function<Envelope, String> topic;
  private final Function<Envelope, String> key;
  private final Producer<String, byte[]> producer;
  private final ExecutorService flusher;
  private volatile boolean closed;

  private KafkaSink(Builder b) {
    this.name = b.name;
    this.topic = b.topic;
    this.key = b.key;
    this.producer = new KafkaProducer<>(b.producerProperties(), new StringSerializer(), new ByteArraySerializer());
    this.flusher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "eventkit-kafka-flush-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder for a sink producing to the brokers at {@code bootstrapServers} ({@code host:port,...}). */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    if (closed) {
      return CompletableFuture.completedFuture(WriteResult.failed(Failure.retryable("sink is closed")));
    }
    CompletableFuture<WriteResult> result = new CompletableFuture<>();
    if (batch.isEmpty()) {
      result.complete(WriteResult.success());
      return result;
    }
    Map<Integer, Failure> failures = new ConcurrentHashMap<>();
    AtomicInteger pending = new AtomicInteger(batch.size());
    Runnable oneDone = () -> {
      if (pending.decrementAndGet() == 0) {
        result.complete(WriteResult.partial(failures));
      }
    };
    boolean blocked = false;
    for (int i = 0; i < batch.size(); i++) {
      int index = i;
      Envelope e = batch.get(i);
      if (blocked) {
        failures.put(index, Failure.retryable("Kafka unreachable: metadata wait timed out"));
        oneDone.run();
        continue;
      }
      ProducerRecord<String, byte[]> record;
      try {
        record = KafkaRecords.toRecord(topic.apply(e), key.apply(e), e);
      } catch (RuntimeException ex) {
        failures.put(index, Failure.permanent("cannot encode the event: " + ex.getClass().getSimpleName()));
        oneDone.run();
        continue;
      }
      Future<RecordMetadata> sent;
      try {
        sent = producer.send(record, (metadata, error) -> {
          if (error != null) {
            failures.put(index, KafkaFailures.classify(error));
          }
          oneDone.run();
        });
      } catch (RuntimeException ex) {
        // Not an ApiException (those reach the callback): the producer is closed or misconfigured.
        failures.put(index, Failure.retryable("Kafka producer unavailable: " + ex.getClass().getSimpleName()));
        oneDone.run();
        continue;
      }
      // A send whose metadata wait timed out fails before it returns; the next ones would wait just as long.
      if (sent.isDone() && failures.get(index) != null && timedOut(sent)) {
        blocked = true;
      }
    }
    return result;
  }

  private static boolean timedOut(Future<RecordMetadata> sent) {
    try {
      sent.get();
      return false;
    } catch (java.util.concurrent.ExecutionException ex) {
      return ex.getCause() instanceof TimeoutException;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Sends what the producer buffers (ignoring {@code linger.ms}) and completes when the broker answered it. */
  @Override
  public CompletableFuture<Void> flush() {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(producer::flush, flusher);
  }

  /** Closes the producer, waiting up to 30 s for buffered records to be sent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      producer.close(Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      LOG.warn("closing Kafka producer of sink {} failed: {}", name, e.getClass().getSimpleName());
    }
    flusher.shutdownNow();
  }

  /**
   * Configures a {@link KafkaSink}; not thread-safe. Defaults: name {@code kafka}, topic per stream with prefix
   * {@code eventkit-}, key = event id, {@code linger.ms} 5, {@code batch.size} 64 KiB, lz4 compression,
   * {@code delivery.timeout.ms} 120 s, {@code max.block.ms} 10 s. Idempotence and {@code acks=all} are always on;
   * properties that would turn them off are refused. {@link #build()} throws {@link IllegalArgumentException}
   * naming a bad setting.
   */
  public static final class Builder {
    private final String bootstrapServers;
    private String name = "kafka";
    private Function<Envelope, String> topic = perStream("eventkit-");
    private Function<Envelope, String> key = KafkaKeys.eventId();
    private Duration linger = Duration.ofMillis(5);
    private int batchSize = 64 * 1024;
    private String compression = "lz4";
    private Duration deliveryTimeout = Duration.ofSeconds(120);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration maxBlock = Duration.ofSeconds(10);
    private Integer maxRequestSize;
    private final Map<String, Object> extra = new HashMap<>();

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    private static Function<Envelope, String> perStream(String prefix) {
      return e -> prefix + e.stream();
    }

    /** The sink's name (and so its cursor's name in the log). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** All events to one topic. */
    public Builder topic(String topic) {
      Objects.requireNonNull(topic, "topic");
      checkTopic(topic);
      this.topic = e -> topic;
      return this;
    }

    /** Each event to topic {@code prefix + stream}; stream names that are not valid topic names dead-letter. */
    public Builder topicPerStream(String prefix) {
      this.topic = perStream(Objects.requireNonNull(prefix, "prefix"));
      return this;
    }

    /** The record key of each event (decides its partition); see {@link KafkaKeys}. A null key spreads records. */
    public Builder key(Function<Envelope, String> key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /** {@code linger.ms}: how long the producer waits to fill a batch. */
    public Builder linger(Duration linger) {
      this.linger = Objects.requireNonNull(linger, "linger");
      return this;
    }

    /** {@code batch.size}: the most bytes per partition batch. */
    public Builder batchSize(int bytes) {
      this.batchSize = bytes;
      return this;
    }

    /** {@code compression.type}: {@code none}, {@code gzip}, {@code snappy}, {@code lz4} or {@code zstd}. */
    public Builder compression(String type) {
      this.compression = Objects.requireNonNull(type, "compression");
      return this;
    }

    /** {@code delivery.timeout.ms}: how long the producer retries a record before its write fails (retryable). */
    public Builder deliveryTimeout(Duration timeout) {
      this.deliveryTimeout = Objects.requireNonNull(timeout, "deliveryTimeout");
      return this;
    }

    /** {@code request.timeout.ms}: how long one produce request may take. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
      return this;
    }

    /** {@code max.block.ms}: how long a send waits for metadata or buffer space before it fails (retryable). */
    public Builder maxBlock(Duration maxBlock) {
      this.maxBlock = Objects.requireNonNull(maxBlock, "maxBlock");
      return this;
    }

    /** {@code max.request.size}: larger records fail permanently (dead letter). Default: the producer's, 1 MiB. */
    public Builder maxRequestSize(int bytes) {
      this.maxRequestSize = bytes;
      return this;
    }

    /** Any other producer property (security, client id, ...); wins over the settings above except idempotence. */
    public Builder property(String key, Object value) {
      extra.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Several producer properties at once; see {@link #property}. */
    public Builder properties(Map<String, ?> properties) {
      properties.forEach(this::property);
      return this;
    }

    Properties producerProperties() {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
      p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
      p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock.toMillis());
      if (maxRequestSize != null) {
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize);
      }
      p.putAll(extra);
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      return p;
    }

    public KafkaSink build() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers must not be blank");
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (linger.isNegative()) {
        throw new IllegalArgumentException("linger must be >= 0");
      }
      if (batchSize < 0) {
        throw new IllegalArgumentException("batchSize must be >= 0");
      }
      if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(compression)) {
        throw new IllegalArgumentException("compression must be one of none, gzip, snappy, lz4, zstd");
      }
      if (deliveryTimeout.compareTo(linger.plus(requestTimeout)) < 0) {
        throw new IllegalArgumentException("deliveryTimeout must be at least linger + requestTimeout");
      }
      if (maxBlock.isNegative()) {
        throw new IllegalArgumentException("maxBlock must be >= 0");
      }
      for (String k : List.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.ACKS_CONFIG)) {
        if (extra.containsKey(k)) {
          throw new IllegalArgumentException(k + " is fixed by the sink (idempotent, acks=all)");
        }
      }
      return new KafkaSink(this);
    }

    private static void checkTopic(String topic) {
      if (topic.isEmpty() || topic.length() > 249 || !topic.matches("[a-zA-Z0-9._-]+")) {
        throw new IllegalArgumentException("topic must be 1-249 characters of a-z, A-Z, 0-9, '.', '_', '-'");
      }
    }
  }
}
