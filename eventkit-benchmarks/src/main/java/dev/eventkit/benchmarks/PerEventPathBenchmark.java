package dev.eventkit.benchmarks;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Intake;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.input.segment.SegmentInput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU and allocation cost of one event on its way through the collector, step by step and end to end, without
 * I/O: the Segment input turning a request into an envelope, the envelope encoded as the log stores it, a log
 * record decoded back, and the NDJSON line a file sink writes. Run it with JMH's allocation profiler
 * ({@code -prof gc}): {@code gc.alloc.rate.norm} is the bytes allocated per event, the figure this benchmark guards
 * against regressions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PerEventPathBenchmark {

  private SegmentInput input;
  private HttpRequest request;
  private RequestContext context;
  private Envelope envelope;
  private byte[] encoded;
  private ByteArrayOutputStream line;

  @Setup
  public void prepare() {
    input = SegmentInput.create();
    request = HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json")
        .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
        .body(TrackEvents.BODY.getBytes(StandardCharsets.UTF_8))
        .remoteAddress("203.0.113.7")
        .build();
    context = new RequestContext(Route.post("/collect", "application/json"), Map.of(),
        Instant.parse("2026-11-23T10:15:30.301Z"), "203.0.113.7", "Mozilla/5.0", CollectorInfo.DEFAULT);
    envelope = TrackEvents.envelope();
    encoded = EnvelopeCodec.encode(envelope);
    line = new ByteArrayOutputStream(4096);
  }

  /** Request body to envelope: parsing, checking, building. */
  @Benchmark
  public Intake parse() {
    return input.read(request, context);
  }

  /** Envelope to the bytes the log stores. */
  @Benchmark
  public byte[] encode() {
    return EnvelopeCodec.encode(envelope);
  }

  /** Log bytes back to an envelope, as each sink's reader does. */
  @Benchmark
  public Envelope decode() {
    return EnvelopeCodec.decode(encoded);
  }

  /** Log bytes to the NDJSON line a file sink writes (decode, then encode the line). */
  @Benchmark
  public int logRecordToNdjsonLine() {
    line.reset();
    EnvelopeCodec.writeTo(EnvelopeCodec.decode(encoded), line);
    line.write('\n');
    return line.size();
  }

  /** The whole path: request to envelope to log bytes to an NDJSON line. */
  @Benchmark
  public int requestToNdjsonLine() {
    Envelope e = input.read(request, context).envelopes().get(0);
    byte[] stored = EnvelopeCodec.encode(e);
    line.reset();
    EnvelopeCodec.writeTo(EnvelopeCodec.decode(stored), line);
    line.write('\n');
    return line.size();
  }
}
