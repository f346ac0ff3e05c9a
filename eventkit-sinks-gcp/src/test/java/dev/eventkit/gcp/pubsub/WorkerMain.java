package dev.eventkit.gcp.pubsub;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.gcp.bigquery.BigQueryStreamingSink;
import dev.eventkit.gcp.bigquery.WriteMode;
import dev.eventkit.gcp.firestore.FirestoreSink;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import dev.eventkit.testing.DelayedSink;
import dev.eventkit.testing.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A worker host in a JVM of its own, so that a test can SIGKILL it: a worker-only {@link PubSubQueue} delivering to
 * a {@link FirestoreSink}, a BigQuery streaming sink (the "at least once, deduplicable by id" warehouse), and a
 * {@link FileSink} that lets the test see progress. Arguments are {@code key=value}: project, pubsub, firestore,
 * bigquery, bigqueryGrpc (emulator hosts), dataset, table, topic, subscription, prefix (Firestore collections), dir
 * (file sink), loops, ackDeadline (seconds), delayMillis (each file write waits this long, so that a kill finds
 * batches in flight). Serves through {@link WorkerProcess#serve}.
 */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> c = WorkerProcess.arguments(args);
    String project = c.get("project");
    FirestoreSink firestore = FirestoreSink.builder(project).emulatorHost(c.get("firestore"))
        .collectionPrefix(c.get("prefix")).build();
    Sink file = new DelayedSink(FileSink.builder(Path.of(c.get("dir"))).name("file").build(),
        Long.parseLong(c.getOrDefault("delayMillis", "0")));
    PubSubQueue queue = PubSubQueue.builder(project).emulatorHost(c.get("pubsub"))
        .role(PubSubQueue.Role.WORKER)
        .topic(c.get("topic")).subscription(c.get("subscription"))
        .workers(Integer.parseInt(c.getOrDefault("loops", "2")))
        .maxMessagesPerPull(50)
        .ackDeadline(Duration.ofSeconds(Long.parseLong(c.getOrDefault("ackDeadline", "10"))))
        .build();
    PipelineBuilder builder = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).queue(queue)
        .sink(firestore).sink(file).batchSize(50);
    if (c.containsKey("bigquery")) {
      builder.sink(BigQueryStreamingSink.builder(c.get("dataset"), c.get("table")).projectId(project)
          .mode(WriteMode.DEFAULT_STREAM).emulatorHost(c.get("bigquery"))
          .writeApiEmulatorHost(c.get("bigqueryGrpc")).build());
    }
    Pipeline pipeline = builder.build().start();
    WorkerProcess.serve(pipeline);
  }
}
