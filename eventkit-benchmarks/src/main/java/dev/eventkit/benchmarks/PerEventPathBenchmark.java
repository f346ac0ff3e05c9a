package dev.eventkit.benchmarks;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Intake;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.snowplow.SnowplowInput;
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
 * I/O: the input turning a request into an envelope, the envelope encoded as the log stores it, a log record
 * decoded back, and the NDJSON line a file sink writes. Two events: a Segment {@code track} call ({@link TrackEvents})
 * and a Snowplow page view as the JavaScript tracker POSTs it to {@code tp2} (the {@code tp2*} methods, the body of
 * {@code wrk/tp2.lua}, no {@code sp} cookie so that a network user id is issued). Run it with JMH's allocation
 * profiler ({@code -prof gc}): {@code gc.alloc.rate.norm} is the bytes allocated per event, the figure this
 * benchmark guards against regressions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PerEventPathBenchmark {

  private static final String TP2_USER_AGENT =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

  /** One page view in a payload_data batch with a web_page context, as in {@code wrk/tp2.lua}. */
  static final String TP2_BODY = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","
      + "\"data\":[{\"e\":\"pv\",\"url\":\"https://shop.example/products/42?utm_source=news\","
      + "\"page\":\"Product 42\",\"refr\":\"https://shop.example/\",\"tv\":\"js-3.24.0\",\"tna\":\"sp1\","
      + "\"aid\":\"shop\",\"p\":\"web\",\"tz\":\"Europe/Berlin\",\"lang\":\"de-DE\",\"cs\":\"UTF-8\","
      + "\"res\":\"1920x1080\",\"cd\":\"24\",\"cookie\":\"1\",\"eid\":\"6a9b0b0e-3c4f-4d3a-9f1e-2b7c8d9e0f11\","
      + "\"dtm\":\"1764494130120\",\"stm\":\"1764494130250\",\"vp\":\"1280x720\",\"ds\":\"1280x3000\","
      + "\"vid\":\"3\",\"sid\":\"2f1c6b3e-8a9d-4e7f-b0c1-d2e3f4a5b6c7\","
      + "\"duid\":\"b1e2c3d4-a5b6-4c7d-8e9f-0a1b2c3d4e5f\","
      + "\"co\":\"{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\\\","
      + "\\\"data\\\":[{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0\\\","
      + "\\\"data\\\":{\\\"id\\\":\\\"0c6b5a4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\\\"}}]}\"}]}";

  private SegmentInput input;
  private HttpRequest request;
  private RequestContext context;
  private Envelope envelope;
  private byte[] encoded;
  private ByteArrayOutputStream line;
  private SnowplowInput tp2Input;
  private HttpRequest tp2Request;
  private RequestContext tp2Context;
  private Envelope tp2Envelope;
  private byte[] tp2Encoded;

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

    tp2Input = SnowplowInput.create();
    tp2Request = HttpRequest.builder("POST", SnowplowInput.TP2_PATH)
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("User-Agent", TP2_USER_AGENT)
        .body(TP2_BODY.getBytes(StandardCharsets.UTF_8))
        .remoteAddress("203.0.113.7")
        .build();
    tp2Context = new RequestContext(new Route("POST", SnowplowInput.TP2_PATH, java.util.Set.of()), Map.of(),
        Instant.parse("2026-11-23T10:15:30.301Z"), "203.0.113.7", TP2_USER_AGENT, CollectorInfo.DEFAULT);
    Intake intake = tp2Input.read(tp2Request, tp2Context);
    if (intake.rejection() != null || !intake.rejected().isEmpty() || intake.envelopes().size() != 1
        || intake.envelopes().get(0).validation().isInvalid()) {
      throw new IllegalStateException("the Snowplow input no longer accepts the benchmark's page view");
    }
    tp2Envelope = intake.envelopes().get(0);
    tp2Encoded = EnvelopeCodec.encode(tp2Envelope);
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

  /** tp2: request body to envelope (one page view with one context). */
  @Benchmark
  public Intake tp2Parse() {
    return tp2Input.read(tp2Request, tp2Context);
  }

  /** tp2: envelope to the bytes the log stores. */
  @Benchmark
  public byte[] tp2Encode() {
    return EnvelopeCodec.encode(tp2Envelope);
  }

  /** tp2: log bytes back to an envelope. */
  @Benchmark
  public Envelope tp2Decode() {
    return EnvelopeCodec.decode(tp2Encoded);
  }

  /** tp2: log bytes to the NDJSON line a file sink writes. */
  @Benchmark
  public int tp2LogRecordToNdjsonLine() {
    line.reset();
    EnvelopeCodec.writeTo(EnvelopeCodec.decode(tp2Encoded), line);
    line.write('\n');
    return line.size();
  }

  /** tp2: the whole path, request to envelope to log bytes to an NDJSON line. */
  @Benchmark
  public int tp2RequestToNdjsonLine() {
    Envelope e = tp2Input.read(tp2Request, tp2Context).envelopes().get(0);
    byte[] stored = EnvelopeCodec.encode(e);
    line.reset();
    EnvelopeCodec.writeTo(EnvelopeCodec.decode(stored), line);
    line.write('\n');
    return line.size();
  }
}
