package dev.eventkit.kafka;

import dev.eventkit.testing.SinkContract;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link KafkaSink} keeps eventkit-testing's sink contract against a real broker: each sink writes a topic of its
 * own, read back from the beginning of every partition. A replay is a second record (Kafka's idempotent producer
 * deduplicates one producer's retries, not the pipeline's replays), so the sink does not declare itself idempotent.
 */
class KafkaSinkContractTest extends SinkContract<KafkaSink> {

  private static String bootstrap;
  private final Map<KafkaSink, String> topics = new IdentityHashMap<>();

  @BeforeAll
  static void broker() {
    bootstrap = KafkaTesting.start();
  }

  @Override
  protected KafkaSink createSink() {
    String topic = KafkaTesting.unique("contract");
    KafkaSink sink = KafkaSink.builder(bootstrap).topic(topic).build();
    topics.put(sink, topic);
    return sink;
  }

  @Override
  protected List<String> deliveredIds(KafkaSink sink) {
    return KafkaTesting.readAll(topics.get(sink), Duration.ofSeconds(30)).stream()
        .map(r -> KafkaRecords.toEnvelope(r).id()).toList();
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(60); // the first write to a topic waits for the broker to create it
  }
}
