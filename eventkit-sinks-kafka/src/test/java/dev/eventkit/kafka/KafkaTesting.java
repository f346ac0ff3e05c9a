package dev.eventkit.kafka;

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
import java.util.concurrent.TimeUnit;
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
    run("install.sh", List.of("kafka"));
    run("start.sh", List.of("kafka"));
    if (!wasRunning && !stopHookAdded) {
      stopHookAdded = true;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> run("stop.sh", List.of("kafka")), "stop-kafka"));
    }
    return bootstrap();
  }

  private static boolean running() {
    Path pid = stateDir().resolve("kafka.pid");
    try {
      return Files.exists(pid) && ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
          .map(ProcessHandle::isAlive).orElse(false);
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }

  /** Stops the broker, keeping its port and its data for the next {@link #start()}. */
  static synchronized void stop() {
    run("stop.sh", List.of("kafka"));
  }

  static String bootstrap() {
    Path file = stateDir().resolve("env");
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.startsWith("KAFKA_BOOTSTRAP_SERVERS=")) {
          return line.substring(line.indexOf('=') + 1).trim();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("no test server env file at " + file, e);
    }
    throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is not set: was the broker started?");
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

  private static Path stateDir() {
    String dir = System.getenv("EVENTKIT_TEST_SERVERS_DIR");
    return Path.of(dir != null ? dir : "/tmp/eventkit-test-servers");
  }

  private static Path scripts() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("scripts/test-servers");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("scripts/test-servers not found above " + Path.of("").toAbsolutePath());
  }

  private static void run(String script, List<String> args) {
    List<String> command = new ArrayList<>(List.of("bash", scripts().resolve(script).toString()));
    command.addAll(args);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(script + " " + args + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + script, e);
    }
  }

  static Map<String, String> headers(ConsumerRecord<?, ?> r) {
    Map<String, String> out = new HashMap<>();
    r.headers().forEach(h -> out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
    return out;
  }
}
