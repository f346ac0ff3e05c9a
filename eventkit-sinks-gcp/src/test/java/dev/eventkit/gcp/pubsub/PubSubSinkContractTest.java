package dev.eventkit.gcp.pubsub;

import dev.eventkit.testing.SinkContract;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link PubSubSink} keeps eventkit-testing's sink contract against the Pub/Sub emulator. A topic keeps nothing for
 * a subscription made after the publish, so each sink gets a topic and a subscription made before its first write;
 * what it delivered is what that subscription receives until it has been quiet for two seconds. Pub/Sub does not
 * deduplicate publishes, so the sink does not declare itself idempotent.
 */
class PubSubSinkContractTest extends SinkContract<PubSubSink> {

  @AutoClose
  private static PubSubTesting pubsub;
  private final Map<PubSubSink, String> subscriptions = new IdentityHashMap<>();

  @BeforeAll
  static void connect() throws Exception {
    pubsub = PubSubTesting.connect();
  }

  @Override
  protected PubSubSink createSink() {
    String topic = PubSubTesting.unique("contract");
    String subscription = PubSubTesting.unique("contract-sub");
    pubsub.createTopic(topic);
    pubsub.createSubscription(subscription, topic, false);
    PubSubSink sink = PubSubSink.builder(pubsub.project(), topic).emulatorHost(PubSubTesting.emulatorHost()).build();
    subscriptions.put(sink, subscription);
    return sink;
  }

  @Override
  protected List<String> deliveredIds(PubSubSink sink) throws Exception {
    return pubsub.drainFor(subscriptions.get(sink), Duration.ofSeconds(2)).stream()
        .map(m -> m.getAttributesMap().get(PubSubMessages.EVENT_ID)).toList();
  }
}
