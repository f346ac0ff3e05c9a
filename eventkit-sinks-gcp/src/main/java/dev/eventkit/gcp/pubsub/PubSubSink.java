package dev.eventkit.gcp.pubsub;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.pubsub.v1.PubsubMessage;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.internal.ClientHeaders;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes envelopes to a Pub/Sub topic, one message each (see {@link PubSubMessages} for the data and
 * attributes). A write succeeds for an event only once Pub/Sub acknowledged its message; messages Pub/Sub refused
 * are reported one by one ({@link WriteResult#partial}): a malformed message for good, anything else (the service
 * unreachable, the topic missing, a deadline) as retryable.
 *
 * <p>The client batches the messages of a write into requests (up to {@link Builder#maxMessagesPerRequest} and
 * {@link Builder#maxRequestBytes}) and sends them at once. With an {@link Builder#orderingKey ordering key},
 * messages of one key are published in order; after a failure the key is resumed, so a retried message may
 * follow messages that were written after it. A missing topic is created on the next failure when
 * {@link Builder#createTopicIfMissing} is on (the default with an emulator, which forgets its topics when it
 * restarts; off against the real service). A creation the service refuses (no permission) makes writes fail fast
 * for a backoff (1 s doubling to 1 min), then publishing is tried again.
 *
 * <p>Replays: delivery is at least once, so a subscriber may see an event twice; the {@value
 * PubSubMessages#EVENT_ID} attribute identifies it.
 *
 * <p>Connection: Application Default Credentials by default; with {@link Builder#emulatorHost} a plaintext
 * channel to the emulator and no credentials.
 *
 * <p>Thread-safe: writes may overlap.
 */
public final class PubSubSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(PubSubSink.class);
  /** Pub/Sub's limit is 10 MB per message; leave room for the attributes and the request's framing. */
  private static final int MAX_DATA_BYTES = 9_500_000;

  private static final Duration MIN_REPAIR_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_REPAIR_BACKOFF = Duration.ofMinutes(1);

  private final String name;
  private final String topic;
  private final PubSubConnection connection;
  private final boolean ownsConnection;
  private final Function<Envelope, String> orderingKey;
  private final boolean createTopicIfMissing;
  private final String ensuredSubscription;
  private final Duration ensuredAckDeadline;
  private final Duration publishTimeout;
  private final Publisher publisher;
  private final ExecutorService admin;
  private final AtomicBoolean repairing = new AtomicBoolean();
  /** Publishes sent and not yet answered; a topic is recreated only when none is left. */
  private final AtomicInteger outstanding = new AtomicInteger();
  /** Set while a missing topic is being recreated: writes then fail fast instead of publishing. */
  private volatile boolean topicGone;
  /**
   * After a repair failed (for example PERMISSION_DENIED: no {@code pubsub.topics.create}), writes fail fast until
   * this {@code System.nanoTime()} and then publish again: the topic may have been created by someone else.
   */
  private volatile long publishAgainAt = System.nanoTime();
  /** The next backoff after a failed repair; doubled up to {@link #MAX_REPAIR_BACKOFF}. Admin thread only. */
  private Duration repairBackoff = MIN_REPAIR_BACKOFF;
  private volatile boolean warnedRepairDenied;
  private volatile boolean closed;
  private volatile boolean warnedMissingTopic;

  private PubSubSink(Builder b) {
    this.name = b.name;
    this.topic = b.topic;
    this.ownsConnection = b.connection == null;
    this.connection = b.connection != null ? b.connection
        : new PubSubConnection(b.projectId, b.emulatorHost, b.credentials);
    this.orderingKey = b.orderingKey;
    this.createTopicIfMissing = b.createsTopics();
    this.ensuredSubscription = b.ensuredSubscription;
    this.ensuredAckDeadline = b.ensuredAckDeadline;
    this.publishTimeout = b.publishTimeout;
    this.admin = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "eventkit-pubsub-admin-" + name);
      t.setDaemon(true);
      return t;
    });
    try {
      Publisher.Builder pb = Publisher.newBuilder(connection.topic(topic))
          .setEnableMessageOrdering(orderingKey != null)
          .setHeaderProvider(ClientHeaders.provider())
          .setBatchingSettings(BatchingSettings.newBuilder()
              .setElementCountThreshold(b.maxMessagesPerRequest)
              .setRequestByteThreshold(b.maxRequestBytes)
              // Each write flushes its messages itself; the delay only bounds a lone straggler.
              .setDelayThresholdDuration(Duration.ofMillis(10))
              .build())
          // The client retries transient errors only within this budget, so that a long outage surfaces as a
          // failed write (retried by the pipeline, visible in its status) instead of a write that hangs.
          .setRetrySettings(RetrySettings.newBuilder()
              .setTotalTimeoutDuration(b.publishTimeout)
              .setInitialRetryDelayDuration(Duration.ofMillis(100))
              .setRetryDelayMultiplier(2)
              .setMaxRetryDelayDuration(Duration.ofSeconds(5))
              .setInitialRpcTimeoutDuration(b.publishTimeout)
              .setRpcTimeoutMultiplier(1)
              .setMaxRpcTimeoutDuration(b.publishTimeout)
              .build());
      if (connection.channelProvider() != null) {
        pb.setChannelProvider(connection.channelProvider());
      }
      if (connection.credentialsProvider() != null) {
        pb.setCredentialsProvider(connection.credentialsProvider());
      }
      this.publisher = pb.build();
    } catch (IOException e) {
      admin.shutdownNow();
      if (ownsConnection) {
        connection.close();
      }
      throw new UncheckedIOException("cannot create a Pub/Sub publisher for topic " + topic, e);
    }
  }

  /** A builder for a sink publishing to {@code topic} in project {@code projectId}. */
  public static Builder builder(String projectId, String topic) {
    return new Builder(projectId, topic);
  }

  @Override
  public String name() {
    return name;
  }

  /** The topic id this sink publishes to. */
  public String topic() {
    return topic;
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
    if (topicGone) {
      topicMissing();
      result.complete(WriteResult.failed(Failure.retryable("Pub/Sub topic is being recreated")));
      return result;
    }
    if (System.nanoTime() - publishAgainAt < 0) {
      result.complete(WriteResult.failed(Failure.retryable("Pub/Sub topic missing; publishing again after a "
          + "backoff")));
      return result;
    }
    Map<Integer, Failure> failures = new ConcurrentHashMap<>();
    AtomicInteger pending = new AtomicInteger(batch.size());
    Runnable oneDone = () -> {
      if (pending.decrementAndGet() == 0) {
        result.complete(WriteResult.partial(failures));
      }
    };
    for (int i = 0; i < batch.size(); i++) {
      int index = i;
      String key = orderingKey == null ? null : orderingKey.apply(batch.get(i));
      PubsubMessage message;
      try {
        message = PubSubMessages.toMessage(batch.get(i), key);
      } catch (RuntimeException e) {
        failures.put(index, Failure.permanent("cannot encode the event: " + e.getClass().getSimpleName()));
        oneDone.run();
        continue;
      }
      if (message.getData().size() > MAX_DATA_BYTES) {
        failures.put(index, Failure.permanent("event too large for a Pub/Sub message"));
        oneDone.run();
        continue;
      }
      ApiFuture<String> published;
      outstanding.incrementAndGet();
      try {
        published = publisher.publish(message);
      } catch (RuntimeException e) {
        // The publisher is shutting down.
        outstanding.decrementAndGet();
        failures.put(index, Failure.retryable("publisher unavailable: " + e.getClass().getSimpleName()));
        oneDone.run();
        continue;
      }
      ApiFutures.addCallback(published, new ApiFutureCallback<String>() {
        @Override
        public void onSuccess(String messageId) {
          outstanding.decrementAndGet();
          oneDone.run();
        }

        @Override
        public void onFailure(Throwable error) {
          outstanding.decrementAndGet();
          failures.put(index, RpcFailures.classify(error));
          if (!message.getOrderingKey().isEmpty()) {
            // A failed publish pauses its ordering key; resume it so that the retry can go out.
            publisher.resumePublish(message.getOrderingKey());
          }
          if (RpcFailures.code(error) == StatusCode.Code.NOT_FOUND) {
            topicMissing();
          }
          oneDone.run();
        }
      }, MoreExecutors.directExecutor());
    }
    publisher.publishAllOutstanding();
    return result;
  }

  /**
   * Recreates the topic (and the queue's subscription) in the background, once at a time. Until that is done no
   * new message is published, and the topic is created only once no publish of this sink is in flight: a message
   * that reached a new topic before its subscription existed would be acknowledged and then kept by nobody.
   */
  private void topicMissing() {
    if (!createTopicIfMissing) {
      if (!warnedMissingTopic) {
        warnedMissingTopic = true;
        LOG.warn("Pub/Sub topic {} does not exist; create it, or enable createTopicIfMissing", topic);
      }
      return;
    }
    topicGone = true;
    if (closed || !repairing.compareAndSet(false, true)) {
      return;
    }
    try {
      admin.execute(() -> {
        try {
          long deadline = System.nanoTime() + publishTimeout.multipliedBy(2).toNanos();
          while (outstanding.get() > 0 && System.nanoTime() < deadline && !closed) {
            Thread.sleep(10);
          }
          if (outstanding.get() == 0) {
            ensureTopic();
            repairBackoff = MIN_REPAIR_BACKOFF;
            topicGone = false;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          // Publish again after a backoff rather than never: someone with the right may create the topic.
          Duration backoff = repairBackoff;
          repairBackoff = backoff.multipliedBy(2).compareTo(MAX_REPAIR_BACKOFF) > 0 ? MAX_REPAIR_BACKOFF
              : backoff.multipliedBy(2);
          publishAgainAt = System.nanoTime() + backoff.toNanos();
          topicGone = false;
          if (RpcFailures.code(e) == StatusCode.Code.PERMISSION_DENIED && !warnedRepairDenied) {
            warnedRepairDenied = true;
            LOG.warn("cannot create Pub/Sub topic {}: permission denied (pubsub.topics.create); create the topic "
                + "and its subscription, publishing is retried meanwhile", topic);
          } else {
            LOG.warn("cannot create Pub/Sub topic {}: {}; publishing again in {}", topic,
                RpcFailures.classify(e).reason(), backoff);
          }
        } finally {
          repairing.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      repairing.set(false);
    }
  }

  /** Creates the topic, and the subscription this sink was told to keep, unless they exist. */
  void ensureTopic() {
    connection.ensureTopic(topic);
    if (ensuredSubscription != null) {
      connection.ensureSubscription(ensuredSubscription, topic, ensuredAckDeadline, true);
    }
  }

  @Override
  public CompletableFuture<Void> flush() {
    publisher.publishAllOutstanding();
    return CompletableFuture.completedFuture(null);
  }

  /** Publishes what is outstanding, waits briefly for it, and releases the client. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    publisher.shutdown();
    try {
      publisher.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    admin.shutdownNow();
    if (ownsConnection) {
      connection.close();
    }
  }

  /**
   * Configures a {@link PubSubSink}; not thread-safe. Defaults: name {@code pubsub}, Application Default
   * Credentials, no ordering key, requests of up to 500 messages and 4 MiB, a 30 s publish budget, missing topics
   * created. {@link #build()} throws {@link IllegalArgumentException} for an invalid project, topic or limit.
   */
  public static final class Builder {
    private final String projectId;
    private final String topic;
    private String name = "pubsub";
    private String emulatorHost;
    private CredentialsProvider credentials;
    private Function<Envelope, String> orderingKey;
    private long maxMessagesPerRequest = 500;
    private long maxRequestBytes = 4L * 1024 * 1024;
    private Duration publishTimeout = Duration.ofSeconds(30);
    private Boolean createTopicIfMissing;
    private PubSubConnection connection;
    private String ensuredSubscription;
    private Duration ensuredAckDeadline;

    private Builder(String projectId, String topic) {
      this.projectId = projectId;
      this.topic = topic;
    }

    /** The sink's name (and so its cursor's name in the log). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
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

    /** Publishes with an ordering key taken from each envelope (null or empty: none for that event). */
    public Builder orderingKey(Function<Envelope, String> orderingKey) {
      this.orderingKey = Objects.requireNonNull(orderingKey, "orderingKey");
      return this;
    }

    /** The most messages in one publish request (1-1000). */
    public Builder maxMessagesPerRequest(long count) {
      this.maxMessagesPerRequest = count;
      return this;
    }

    /** The most bytes in one publish request (1 KiB-9 MB). */
    public Builder maxRequestBytes(long bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /** How long the client may retry one message before the write reports it failed (at least 10 s). */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Objects.requireNonNull(timeout, "publishTimeout");
      return this;
    }

    /**
     * Whether a missing topic is created (needs {@code pubsub.topics.create}, in the Pub/Sub Editor role). Default:
     * on with an emulator (which forgets its topics when it restarts), off against the real service, where topics
     * are an operator's to create. When creating is refused, publishing is tried again after a backoff.
     */
    public Builder createTopicIfMissing(boolean create) {
      this.createTopicIfMissing = create;
      return this;
    }

    /** Whether the sink will create a missing topic, given the settings so far. */
    boolean createsTopics() {
      return createTopicIfMissing != null ? createTopicIfMissing : emulatorHost != null;
    }

    /** Shares a connection owned by the caller (the queue), who closes it. */
    Builder connection(PubSubConnection connection) {
      this.connection = connection;
      return this;
    }

    /** Whenever the topic is created, the subscription is created with it, so no message lands in a void. */
    Builder ensureSubscription(String subscription, Duration ackDeadline) {
      this.ensuredSubscription = subscription;
      this.ensuredAckDeadline = ackDeadline;
      return this;
    }

    public PubSubSink build() {
      PubSubNames.checkProject(connection != null ? connection.projectId() : projectId);
      PubSubNames.check("topic", topic);
      if (name.isBlank()) {
        throw new IllegalArgumentException("the sink name must not be blank");
      }
      if (maxMessagesPerRequest < 1 || maxMessagesPerRequest > Publisher.getApiMaxRequestElementCount()) {
        throw new IllegalArgumentException("maxMessagesPerRequest must be between 1 and "
            + Publisher.getApiMaxRequestElementCount());
      }
      if (maxRequestBytes < 1024 || maxRequestBytes > 9_000_000) {
        throw new IllegalArgumentException("maxRequestBytes must be between 1024 and 9000000");
      }
      if (publishTimeout.compareTo(Duration.ofSeconds(10)) < 0) {
        throw new IllegalArgumentException("publishTimeout must be at least 10 s (the client's minimum)");
      }
      return new PubSubSink(this);
    }
  }
}
