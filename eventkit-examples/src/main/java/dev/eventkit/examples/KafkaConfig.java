package dev.eventkit.examples;

import java.util.Locale;
import java.util.Map;

/**
 * The example collector's Kafka queue mode ({@code queue.mode: kafka}): collector hosts publish their log to a topic,
 * worker hosts consume it in a consumer group and deliver to the sinks (see {@code KafkaQueue}). Immutable;
 * {@link #fromEnvironment} throws {@link IllegalArgumentException} naming the variable that is missing or wrong.
 *
 * @param bootstrapServers {@code EVENTKIT_KAFKA_BOOTSTRAP_SERVERS}; required in kafka mode
 * @param role {@code EVENTKIT_KAFKA_ROLE}: {@code both} (default), {@code publisher} or {@code worker}
 * @param topic {@code EVENTKIT_KAFKA_TOPIC}, default {@code eventkit-events}
 * @param group {@code EVENTKIT_KAFKA_GROUP}, default {@code eventkit-workers}
 * @param workers {@code EVENTKIT_KAFKA_WORKERS}: consumer loops in a worker, default 4
 */
public record KafkaConfig(String bootstrapServers, String role, String topic, String group, int workers) {

  /** Reads the kafka keys; {@code required} when the queue mode is kafka. */
  public static KafkaConfig fromEnvironment(Map<String, String> env, boolean required) {
    String servers = env.get("EVENTKIT_KAFKA_BOOTSTRAP_SERVERS");
    if (required && (servers == null || servers.isBlank())) {
      throw new IllegalArgumentException("EVENTKIT_KAFKA_BOOTSTRAP_SERVERS is required with EVENTKIT_QUEUE_MODE=kafka");
    }
    String role = env.getOrDefault("EVENTKIT_KAFKA_ROLE", "both").trim().toLowerCase(Locale.ROOT);
    if (!role.equals("both") && !role.equals("publisher") && !role.equals("worker")) {
      throw new IllegalArgumentException("EVENTKIT_KAFKA_ROLE must be one of both, publisher, worker");
    }
    String workers = env.getOrDefault("EVENTKIT_KAFKA_WORKERS", "4").trim();
    int n;
    try {
      n = Integer.parseInt(workers);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("EVENTKIT_KAFKA_WORKERS must be a whole number");
    }
    if (n < 1 || n > 64) {
      throw new IllegalArgumentException("EVENTKIT_KAFKA_WORKERS must be between 1 and 64");
    }
    return new KafkaConfig(servers == null ? null : servers.trim(), role,
        env.getOrDefault("EVENTKIT_KAFKA_TOPIC", "eventkit-events").trim(),
        env.getOrDefault("EVENTKIT_KAFKA_GROUP", "eventkit-workers").trim(), n);
  }
}
