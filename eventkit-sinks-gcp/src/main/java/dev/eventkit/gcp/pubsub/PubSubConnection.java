package dev.eventkit.gcp.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.ExpirationPolicy;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import dev.eventkit.gcp.internal.ClientHeaders;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this module reaches Pub/Sub: the real service with Application Default Credentials (or given ones), or an
 * emulator over one plaintext channel without credentials — the Java client ignores {@code PUBSUB_EMULATOR_HOST},
 * so the emulator is configured explicitly. Also creates topics and subscriptions that are missing (an emulator
 * forgets them when it restarts).
 *
 * <p>Thread-safe. Admin calls throw the client's {@code ApiException}s; callers treat them as retryable.
 */
final class PubSubConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PubSubConnection.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(15);

  private final String projectId;
  private final ManagedChannel emulatorChannel;
  private final CredentialsProvider credentials;
  private TopicAdminClient topicAdmin;
  private SubscriptionAdminClient subscriptionAdmin;
  private boolean closed;

  PubSubConnection(String projectId, String emulatorHost, CredentialsProvider credentials) {
    this.projectId = projectId;
    this.emulatorChannel = emulatorHost == null ? null
        : ManagedChannelBuilder.forTarget(emulatorHost).usePlaintext()
            .userAgent(ClientHeaders.userAgent()).build();
    this.credentials = credentials;
  }

  String projectId() {
    return projectId;
  }

  TopicName topic(String topic) {
    return TopicName.of(projectId, topic);
  }

  ProjectSubscriptionName subscription(String subscription) {
    return ProjectSubscriptionName.of(projectId, subscription);
  }

  /** The channel provider to give a client, or null to let it connect to the real service itself. */
  TransportChannelProvider channelProvider() {
    return emulatorChannel == null ? null
        : FixedTransportChannelProvider.create(GrpcTransportChannel.create(emulatorChannel));
  }

  /** The credentials to give a client, or null for Application Default Credentials. */
  CredentialsProvider credentialsProvider() {
    return emulatorChannel != null ? NoCredentialsProvider.create() : credentials;
  }

  /** Creates the topic unless it exists. Serialised in this process, so that two callers never race. */
  synchronized void ensureTopic(String topic) {
    try {
      topicAdmin().createTopic(topic(topic));
      LOG.info("created Pub/Sub topic {}", topic);
    } catch (AlreadyExistsException e) {
      // Somebody else (another collector, a worker, an operator) created it: fine.
    }
  }

  /**
   * Creates the subscription unless it exists; when the topic is missing too, creates it only if
   * {@code createTopic} (publishers do; workers wait for a publisher, which creates both while none of its
   * messages is in flight). Throws {@link NotFoundException} when the topic is missing and not to be created.
   */
  synchronized void ensureSubscription(String subscription, String topic, Duration ackDeadline,
      boolean createTopic) {
    Subscription request = Subscription.newBuilder()
        .setName(subscription(subscription).toString())
        .setTopic(topic(topic).toString())
        .setAckDeadlineSeconds((int) ackDeadline.toSeconds())
        // An empty policy means "never expires": an idle subscription must not vanish with its backlog.
        .setExpirationPolicy(ExpirationPolicy.getDefaultInstance())
        .build();
    try {
      subscriptionAdmin().createSubscription(request);
      LOG.info("created Pub/Sub subscription {} on topic {}", subscription, topic);
    } catch (AlreadyExistsException e) {
      // exists: fine
    } catch (NotFoundException e) {
      if (!createTopic) {
        throw e;
      }
      ensureTopic(topic);
      try {
        subscriptionAdmin().createSubscription(request);
        LOG.info("created Pub/Sub subscription {} on topic {}", subscription, topic);
      } catch (AlreadyExistsException again) {
        // created concurrently: fine
      }
    }
  }

  /**
   * A client for pulling, acknowledging and extending leases, with the given pull deadline and no client-side
   * retries (the caller's loop retries). The caller closes it.
   */
  SubscriptionAdminClient newPullClient(Duration pullTimeout) {
    try {
      SubscriptionAdminSettings.Builder b = SubscriptionAdminSettings.newBuilder();
      configure(b);
      b.pullSettings().setSimpleTimeoutNoRetriesDuration(pullTimeout);
      b.acknowledgeSettings().setSimpleTimeoutNoRetriesDuration(ADMIN_TIMEOUT);
      b.modifyAckDeadlineSettings().setSimpleTimeoutNoRetriesDuration(ADMIN_TIMEOUT);
      return SubscriptionAdminClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a Pub/Sub subscriber client", e);
    }
  }

  private void configure(SubscriptionAdminSettings.Builder b) {
    b.setHeaderProvider(ClientHeaders.provider());
    if (channelProvider() != null) {
      b.setTransportChannelProvider(channelProvider());
    }
    if (credentialsProvider() != null) {
      b.setCredentialsProvider(credentialsProvider());
    }
  }

  private TopicAdminClient topicAdmin() {
    requireOpen();
    if (topicAdmin == null) {
      try {
        TopicAdminSettings.Builder b = TopicAdminSettings.newBuilder().setHeaderProvider(ClientHeaders.provider());
        if (channelProvider() != null) {
          b.setTransportChannelProvider(channelProvider());
        }
        if (credentialsProvider() != null) {
          b.setCredentialsProvider(credentialsProvider());
        }
        b.createTopicSettings().setSimpleTimeoutNoRetriesDuration(ADMIN_TIMEOUT);
        topicAdmin = TopicAdminClient.create(b.build());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a Pub/Sub topic admin client", e);
      }
    }
    return topicAdmin;
  }

  private SubscriptionAdminClient subscriptionAdmin() {
    requireOpen();
    if (subscriptionAdmin == null) {
      try {
        SubscriptionAdminSettings.Builder b = SubscriptionAdminSettings.newBuilder();
        configure(b);
        b.createSubscriptionSettings().setSimpleTimeoutNoRetriesDuration(ADMIN_TIMEOUT);
        subscriptionAdmin = SubscriptionAdminClient.create(b.build());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a Pub/Sub subscription admin client", e);
      }
    }
    return subscriptionAdmin;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the Pub/Sub connection is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (topicAdmin != null) {
      topicAdmin.close();
    }
    if (subscriptionAdmin != null) {
      subscriptionAdmin.close();
    }
    if (emulatorChannel != null) {
      emulatorChannel.shutdown();
      try {
        if (!emulatorChannel.awaitTermination(5, TimeUnit.SECONDS)) {
          emulatorChannel.shutdownNow();
        }
      } catch (InterruptedException e) {
        emulatorChannel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
