package dev.eventkit.gcp.pubsub;

import static org.awaitility.Awaitility.await;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import dev.eventkit.gcp.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/** A test's own Pub/Sub client for the emulator: creates topics and subscriptions, and pulls what arrived. */
public final class PubSubTesting implements AutoCloseable {

  private final ManagedChannel channel;
  private final TopicAdminClient topics;
  private final SubscriptionAdminClient subscriptions;
  private final String project;

  private PubSubTesting() throws Exception {
    project = TestServers.projectId();
    channel = ManagedChannelBuilder.forTarget(TestServers.get("PUBSUB_EMULATOR_HOST")).usePlaintext().build();
    FixedTransportChannelProvider provider =
        FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    topics = TopicAdminClient.create(TopicAdminSettings.newBuilder().setTransportChannelProvider(provider)
        .setCredentialsProvider(NoCredentialsProvider.create()).build());
    SubscriptionAdminSettings.Builder sb = SubscriptionAdminSettings.newBuilder()
        .setTransportChannelProvider(provider).setCredentialsProvider(NoCredentialsProvider.create());
    sb.pullSettings().setSimpleTimeoutNoRetriesDuration(Duration.ofSeconds(5));
    subscriptions = SubscriptionAdminClient.create(sb.build());
  }

  /** Starts the emulator if needed (failing loudly when it cannot) and connects to it. */
  public static PubSubTesting connect() throws Exception {
    TestServers.start("pubsub");
    return new PubSubTesting();
  }

  /** A topic or subscription id no other test run uses. */
  public static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static String emulatorHost() {
    return TestServers.get("PUBSUB_EMULATOR_HOST");
  }

  public String project() {
    return project;
  }

  public void createTopic(String topic) {
    topics.createTopic(TopicName.of(project, topic));
  }

  public boolean topicExists(String topic) {
    try {
      topics.getTopic(TopicName.of(project, topic));
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  public void createSubscription(String subscription, String topic, boolean ordered) {
    subscriptions.createSubscription(Subscription.newBuilder()
        .setName("projects/" + project + "/subscriptions/" + subscription)
        .setTopic(TopicName.of(project, topic).toString())
        .setAckDeadlineSeconds(30)
        .setEnableMessageOrdering(ordered)
        .build());
  }

  /** Pulls and acknowledges messages until those collected satisfy the condition. */
  public List<PubsubMessage> pullUntil(String subscription, Predicate<List<PubsubMessage>> condition,
      Duration timeout) throws Exception {
    String path = "projects/" + project + "/subscriptions/" + subscription;
    List<PubsubMessage> out = new ArrayList<>();
    // Each poll pulls (up to 1000) and acknowledges; a pull that times out on the emulator side is tried again.
    await().alias(subscription + ": condition on the pulled messages").atMost(timeout).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(DeadlineExceededException.class)
        .until(() -> {
          if (condition.test(out)) {
            return true;
          }
          PullResponse r = subscriptions.pull(path, 1000);
          List<String> ackIds = new ArrayList<>();
          for (ReceivedMessage m : r.getReceivedMessagesList()) {
            out.add(m.getMessage());
            ackIds.add(m.getAckId());
          }
          if (!ackIds.isEmpty()) {
            subscriptions.acknowledge(path, ackIds);
          }
          return condition.test(out);
        });
    return out;
  }

  /** Pulls for a while and returns whatever came (acknowledged). */
  public List<PubsubMessage> drainFor(String subscription, Duration quiet) throws Exception {
    List<PubsubMessage> out = new ArrayList<>();
    long deadline = System.nanoTime() + quiet.toNanos();
    // The condition turns true at the deadline, well within pullUntil's own limit.
    pullUntil(subscription, l -> {
      out.clear();
      out.addAll(l);
      return System.nanoTime() > deadline;
    }, quiet.plusSeconds(30));
    return out;
  }

  @Override
  public void close() {
    topics.close();
    subscriptions.close();
    channel.shutdownNow();
  }
}
