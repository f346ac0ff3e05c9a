package dev.eventkit.benchmarks;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

/**
 * {@link FileSink#write} of one batch, the way delivery drives it (envelopes decoded from log records, so each
 * line is a copy of the stored bytes), under each forcing policy: {@code batch} forces every write before it
 * completes (the default: delivered means durable in the file), {@code interval1s} forces at most once a second
 * ({@code fsyncInterval(1 s)}), {@code none} never forces ({@code forceToDisk(false)}). The score is batches
 * written per second (times {@code batchSize}: envelopes per second). Each iteration writes into a fresh directory, removed after it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FileSinkBenchmark {

  @Param({"batch", "interval1s", "none"})
  public String force;

  @Param({"50", "500"})
  public int batchSize;

  private List<Envelope> batch;
  private TempDirectory dir;
  private FileSink sink;

  @Setup(Level.Trial)
  public void prepare() {
    byte[] stored = EnvelopeCodec.encode(TrackEvents.envelope());
    batch = new ArrayList<>(batchSize);
    for (int i = 0; i < batchSize; i++) {
      batch.add(EnvelopeCodec.decode(stored));
    }
  }

  @Setup(Level.Iteration)
  public void open() {
    dir = new TempDirectory("eventkit-filesink-bench");
    FileSink.Builder b = FileSink.builder(dir.path());
    switch (force) {
      case "batch" -> b.fsyncInterval(Duration.ZERO);
      case "interval1s" -> b.fsyncInterval(Duration.ofSeconds(1));
      case "none" -> b.forceToDisk(false);
      default -> throw new IllegalArgumentException("unknown forcing policy " + force);
    }
    sink = b.build();
  }

  @TearDown(Level.Iteration)
  public void close() throws Exception {
    sink.shutdown().get(30, TimeUnit.SECONDS);
    dir.close();
  }

  /** One batch written and, as the policy says, forced. */
  @Benchmark
  public WriteResult write() throws Exception {
    WriteResult r = sink.write(batch).get(30, TimeUnit.SECONDS);
    if (!r.isSuccess()) {
      throw new IllegalStateException("the file sink failed a write");
    }
    return r;
  }
}
