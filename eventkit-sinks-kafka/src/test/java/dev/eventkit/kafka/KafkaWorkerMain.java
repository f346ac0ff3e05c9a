package dev.eventkit.kafka;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import dev.eventkit.testing.DelayedSink;
import dev.eventkit.testing.WorkerProcess;
import java.nio.file.Path;
import java.util.Map;

/**
 * A worker host in a JVM of its own, so that a test can SIGKILL it: a worker-only {@link KafkaQueue} delivering to
 * a {@link FileSink} the test reads. Arguments are {@code key=value}: bootstrap, topic, group, dir, loops,
 * delayMillis (each file write waits this long, so that a kill finds batches in flight). Serves through
 * {@link WorkerProcess#serve}.
 */
public final class KafkaWorkerMain {

  private KafkaWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> c = WorkerProcess.arguments(args);
    Sink file = new DelayedSink(FileSink.builder(Path.of(c.get("dir"))).name("file").build(),
        Long.parseLong(c.getOrDefault("delayMillis", "0")));
    KafkaQueue queue = KafkaQueue.builder(c.get("bootstrap")).role(KafkaQueue.Role.WORKER).topic(c.get("topic"))
        .groupId(c.get("group")).workers(Integer.parseInt(c.getOrDefault("loops", "2"))).maxPollRecords(50)
        // A killed worker's partitions move to the survivor after this long.
        .consumerProperty("session.timeout.ms", 6000).consumerProperty("heartbeat.interval.ms", 1000).build();
    Pipeline pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).queue(queue).sink(file)
        .batchSize(50).build().start();
    WorkerProcess.serve(pipeline);
  }
}
