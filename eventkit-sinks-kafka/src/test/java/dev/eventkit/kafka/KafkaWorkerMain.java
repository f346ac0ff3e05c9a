package dev.eventkit.kafka;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A worker host in a JVM of its own, so that a test can SIGKILL it: a worker-only {@link KafkaQueue} delivering to
 * a {@link FileSink} the test reads. Arguments are {@code key=value}: bootstrap, topic, group, dir, loops,
 * delayMillis (each file write waits this long, so that a kill finds batches in flight). Prints {@code worker
 * ready}; closes gracefully when stdin ends.
 */
public final class KafkaWorkerMain {

  private KafkaWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> c = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      c.put(a.substring(0, eq), a.substring(eq + 1));
    }
    Sink file = new Slow(FileSink.builder(Path.of(c.get("dir"))).name("file").build(),
        Long.parseLong(c.getOrDefault("delayMillis", "0")));
    KafkaQueue queue = KafkaQueue.builder(c.get("bootstrap")).role(KafkaQueue.Role.WORKER).topic(c.get("topic"))
        .groupId(c.get("group")).workers(Integer.parseInt(c.getOrDefault("loops", "2"))).maxPollRecords(50)
        // A killed worker's partitions move to the survivor after this long.
        .consumerProperty("session.timeout.ms", 6000).consumerProperty("heartbeat.interval.ms", 1000).build();
    Pipeline pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).queue(queue).sink(file)
        .batchSize(50).build().start();
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
