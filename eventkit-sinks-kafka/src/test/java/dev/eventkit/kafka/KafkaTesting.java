package dev.eventkit.kafka;

import dev.eventkit.testing.TestServerScripts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Starts and stops the test broker through the project's scripts ({@code scripts/test-servers/ kafka}): a real
 * Kafka in KRaft mode on loopback, whose data survives {@link #stop()} + {@link #start()}. A broker that cannot be
 * started fails the test loudly. Also reads topics back for assertions.
 */
final class KafkaTesting {

  private static boolean stopHookAdded;

  private KafkaTesting() {}

  /**
   * Installs the broker's jars if needed (idempotent) and starts it unless it runs; its bootstrap address. A broker
   * that this test JVM started is stopped when the JVM exits; one that was already running is left alone.
   */
  static synchronized String start() {
    boolean wasRunning = running();
    TestServerScripts.run("install.sh", List.of("kafka"));
    TestServerScripts.run("start.sh", List.of("kafka"));
    if (!wasRunning && !stopHookAdded) {
      stopHookAdded = true;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> TestServerScripts.run("stop.sh", List.of("kafka")),
          "stop-kafka"));
    }
    return bootstrap();
  }

  private static boolean running() {
    Path pid = TestServerScripts.stateDir().resolve("kafka.pid");
    try {
      return Files.exists(pid) && ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
          .map(ProcessHandle::isAlive).orElse(false);
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }

  /** Stops the broker, keeping its port and its data for the next {@link #start()}. */
  static synchronized void stop() {
    TestServerScripts.run("stop.sh", List.of("kafka"));
  }

  static String bootstrap() {
    String bootstrap = TestServerScripts.env().get("KAFKA_BOOTSTRAP_SERVERS");
    if (bootstrap == null) {
      throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is not set: was the broker started?");
    }
    return bootstrap;
  }

  /** A topic or group name no other test run uses. */
  static String unique(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  }

  /** Reads {@code topic} from the beginning until {@code count} records arrived or {@code timeout} passed. */
  static List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = reader()) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < count && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  /**
   * Every record {@code topic} holds now, read from the beginning of each partition up to the end offsets taken at
   * the start; empty for a topic that does not exist (the reader does not create it).
   */
  static List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = reader()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : c.partitionsFor(topic, timeout)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(p -> c.position(p, timeout) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(topic + " not read to its end within " + timeout);
        }
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  /** A consumer of a group of its own, from the earliest offsets, that never creates topics. */
  private static KafkaConsumer<String, byte[]> reader() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, unique("reader"));
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  static Map<String, String> headers(ConsumerRecord<?, ?> r) {
    Map<String, String> out = new HashMap<>();
    r.headers().forEach(h -> out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
    return out;
  }
}
