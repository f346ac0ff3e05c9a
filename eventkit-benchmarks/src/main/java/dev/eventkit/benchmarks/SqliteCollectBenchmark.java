package dev.eventkit.benchmarks;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.Durability;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Pipeline#collect(Envelope)} on a {@link SqliteRingBuffer}, each call waiting for its future: the path a
 * collector takes before answering 2xx. One operation is one event made durable, so the score is events per second.
 * Delivery runs as in production (a {@link DiscardSink} behind the default queue), reading, decoding and moving its
 * cursor on the same two cores.
 *
 * <p>Client concurrency is fixed per method ({@code @Threads}), so one run yields 1, 8 and 32 threads side by side;
 * do not pass {@code -t}, which would override all three. Parameters: the writer's group-commit linger
 * ({@code maxBatchDelayMs}) and the log's {@link Durability}. Each trial opens a fresh log in a new temp directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SqliteCollectBenchmark {

  /** How long the writer waits for more appends to join a group commit. */
  @Param({"0", "1"})
  public int maxBatchDelayMs;

  @Param({"NORMAL", "FULL"})
  public Durability durability;

  private TempDirectory dir;
  private DiscardSink sink;
  private Pipeline pipeline;
  private Envelope envelope;

  @Setup(Level.Trial)
  public void open() {
    dir = new TempDirectory("eventkit-bench-collect");
    SqliteRingBuffer log = SqliteRingBuffer.builder(dir.path().resolve("events.db"))
        .durability(durability)
        .maxBatchDelay(Duration.ofMillis(maxBatchDelayMs))
        .build();
    sink = new DiscardSink();
    pipeline = Pipeline.builder()
        .ringBuffer(log)
        .sink(sink)
        .shutdownTimeout(Duration.ofSeconds(5))
        .build()
        .start();
    envelope = TrackEvents.envelope();
  }

  @TearDown(Level.Trial)
  public void close() {
    pipeline.close();
    dir.close();
  }

  /** The sink of the running trial, for the smoke test to see delivery happen. */
  DiscardSink sink() {
    return sink;
  }

  Pipeline pipeline() {
    return pipeline;
  }

  @Benchmark
  @Threads(1)
  public void collectThreads01() {
    pipeline.collect(envelope).join();
  }

  @Benchmark
  @Threads(8)
  public void collectThreads08() {
    pipeline.collect(envelope).join();
  }

  @Benchmark
  @Threads(32)
  public void collectThreads32() {
    pipeline.collect(envelope).join();
  }
}
