package dev.eventkit.benchmarks;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link EnvelopeCodec} on the {@link TrackEvents} envelope: encode (paid by every append, on the caller's thread)
 * and decode (paid by every delivery read). One thread; the score is operations per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class EnvelopeCodecBenchmark {

  private Envelope envelope;
  private byte[] encoded;

  @Setup
  public void prepare() {
    envelope = TrackEvents.envelope();
    encoded = EnvelopeCodec.encode(envelope);
  }

  @Benchmark
  public byte[] encode() {
    return EnvelopeCodec.encode(envelope);
  }

  @Benchmark
  public Envelope decode() {
    return EnvelopeCodec.decode(encoded);
  }
}
