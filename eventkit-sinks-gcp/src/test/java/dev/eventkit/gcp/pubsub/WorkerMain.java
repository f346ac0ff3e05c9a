package dev.eventkit.gcp.pubsub;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.BigQueryStreamingSink;
import dev.eventkit.gcp.bigquery.WriteMode;
import dev.eventkit.gcp.firestore.FirestoreSink;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A worker host in a JVM of its own, so that a test can SIGKILL it: a worker-only {@link PubSubQueue} delivering to
 * a {@link FirestoreSink}, a BigQuery streaming sink (the "at least once, deduplicable by id" warehouse), and a
 * {@link FileSink} that lets the test see progress. Arguments are {@code key=value}: project, pubsub, firestore,
 * bigquery, bigqueryGrpc (emulator hosts), dataset, table, topic, subscription, prefix (Firestore collections), dir
 * (file sink), loops, ackDeadline (seconds), delayMillis (each file write waits this long, so that a kill finds
 * batches in flight). Prints {@code worker ready}; closes gracefully when stdin ends.
 */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> c = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      c.put(a.substring(0, eq), a.substring(eq + 1));
    }
    String project = c.get("project");
    FirestoreSink firestore = FirestoreSink.builder(project).emulatorHost(c.get("firestore"))
        .collectionPrefix(c.get("prefix")).build();
    Sink file = new Slow(FileSink.builder(Path.of(c.get("dir"))).name("file").build(),
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
    System.out.println("worker ready");
    System.out.flush();
    while (System.in.read() != -1) {
      // runs until the parent closes stdin (graceful) or kills the process
    }
    pipeline.close();
    System.out.println("worker closed");
  }

  /** Delays each write of the sink it wraps. */
  private static final class Slow implements Sink {
    private final Sink inner;
    private final long delayMillis;

    Slow(Sink inner, long delayMillis) {
      this.inner = inner;
      this.delayMillis = delayMillis;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public CompletableFuture<WriteResult> write(List<Envelope> batch) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      }
      return inner.write(batch);
    }

    @Override
    public CompletableFuture<Void> flush() {
      return inner.flush();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
