package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a JVM of its own by {@link ByteBoundsTest} with a small heap: fills a log with large events, then delivers
 * them with the default pipeline settings to a sink that keeps nothing, and prints {@code delivered <n>}.
 */
public final class LargeBacklogMain {

  private LargeBacklogMain() {}

  public static void main(String[] args) throws Exception {
    Path wal = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int payloadChars = Integer.parseInt(args[2]);
    AtomicLong delivered = new AtomicLong();
    Sink counting = new Sink() {
      @Override
      public String name() {
        return "counting";
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        delivered.addAndGet(batch.size());
        return CompletableFuture.completedFuture(WriteResult.success());
      }
    };
    SqliteRingBuffer log = SqliteRingBuffer.at(wal);
    String blob = "x".repeat(payloadChars);
    for (int i = 0; i < count; i++) {
      log.append(List.of(Envelope.builder().id("e" + i).protocol("test")
          .payloadJson("{\"blob\":\"" + blob + "\"}").build())).join();
    }
    try (Pipeline p = Pipeline.builder().ringBuffer(log).sink(counting).build().start()) {
      if (!flushed(p, Duration.ofSeconds(120))) {
        System.out.println("timed out with " + delivered.get() + " delivered");
        System.exit(2);
      }
    }
    System.out.println("delivered " + delivered.get());
    System.exit(0);
  }
}
