package dev.eventkit.http;

import dev.eventkit.health.HealthCheck;
import dev.eventkit.internal.json.Json;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.BufferFullException;
import dev.eventkit.buffer.RingBufferStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP-stack-agnostic front door: routes a {@link HttpRequest} to its {@link Input inputs} (tracking protocols),
 * appends what they accept to the pipeline, and answers — 2xx only once the events are durable in the log. Also
 * serves its {@link Endpoint endpoints} (routes that take no events), {@code GET /health} and CORS preflights.
 * Host adapters (the JDK server, servlets, Netty) turn their requests into {@link HttpRequest}s and call
 * {@link #handle}.
 *
 * <p>Thread-safe; one instance serves every request thread. Failure modes, all as JSON bodies without stack
 * traces: unknown path 404, wrong method 405 (with {@code Allow}), body over the limit 413, more query parameters
 * than allowed 400, unsupported media type or content encoding 415, bad input 400 (from the input), a batch
 * larger than the log's whole capacity 413 {@code batch_exceeds_capacity}, log full or pipeline not accepting 503
 * with {@code Retry-After}. Only a bug in an input yields a 500, with a generic body.
 *
 * <p>Header values that envelopes keep are bounded (see {@link TruncatedValues}): a longer user agent or forwarded
 * client address is cut, and the cut recorded in each envelope of the request.
 */
public final class Collector {

  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);

  private static final List<String> BASE_ALLOWED_HEADERS =
      List.of("Content-Type", "Content-Encoding", "Authorization", "SP-Anonymous", "X-Retry-Count");

  /** An HTTP header name (an RFC 9110 token), of a sane length. */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");

  private final Pipeline pipeline;
  private final int maxBodyBytes;
  private final int maxQueryParameters;
  private final boolean trustForwardedHeaders;
  private final Clock clock;
  private final List<Bound> routes;
  private final Map<String, HealthCheck> healthChecks;

  /** A route with what serves it: an input or an endpoint (exactly one is set). */
  private record Bound(Route route, Input input, Endpoint endpoint) {}

  private record Match(Bound bound, Map<String, String> params) {}

  private Collector(Builder b) {
    this.pipeline = b.pipeline;
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxQueryParameters = b.maxQueryParameters;
    this.trustForwardedHeaders = b.trustForwardedHeaders;
    this.clock = b.clock;
    this.healthChecks = Map.copyOf(b.healthChecks);
    List<Bound> all = new ArrayList<>();
    for (Input input : b.inputs) {
      for (Route r : input.routes()) {
        all.add(new Bound(r, input, null));
      }
    }
    List<Endpoint> endpoints = new ArrayList<>(b.endpoints);
    endpoints.add(new HealthEndpoint(b.healthPath, pipeline, healthChecks));
    for (Endpoint endpoint : endpoints) {
      for (Route r : endpoint.routes()) {
        all.add(new Bound(r, null, endpoint));
      }
    }
    all.sort(Comparator.comparingInt((Bound x) -> x.route.specificity()).reversed());
    this.routes = List.copyOf(all);
  }

  /** A builder for a collector in front of {@code pipeline}; add at least one input. */
  public static Builder builder(Pipeline pipeline) {
    return new Builder(pipeline);
  }

  /** The largest request body accepted; hosts should stop reading after this many bytes plus one. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Handles one request; the future never completes exceptionally. */
  public CompletableFuture<HttpResponse> handle(HttpRequest request) {
    long start = System.nanoTime();
    String origin = isEndpoint(request) ? null : request.header("Origin");
    String requestedHeaders = request.header("Access-Control-Request-Headers");
    CompletableFuture<HttpResponse> response;
    try {
      response = route(request);
    } catch (RuntimeException e) {
      LOG.error("unexpected failure handling {} {}", request.method(), routeName(request), e);
      response = CompletableFuture.completedFuture(internalError());
    }
    return response.exceptionally(e -> {
      LOG.error("unexpected failure handling {} {}", request.method(), routeName(request), e);
      return internalError();
    }).thenApply(r -> {
      pipeline.metrics().request(request.method(), routeName(request), r.status(), System.nanoTime() - start);
      return origin == null ? r : withCors(r, origin, requestedHeaders);
    });
  }

  private boolean isEndpoint(HttpRequest request) {
    for (Bound b : routes) {
      if (b.route.match(request.path()) != null) {
        return b.endpoint != null;
      }
    }
    return false;
  }

  private String routeName(HttpRequest request) {
    for (Bound b : routes) {
      if (b.route.match(request.path()) != null) {
        return b.route.template();
      }
    }
    return "(unrouted)";
  }

  private CompletableFuture<HttpResponse> route(HttpRequest request) {
    String method = request.method();
    Match match = null;
    TreeSet<String> allowed = new TreeSet<>();
    for (Bound b : routes) {
      Map<String, String> params = b.route.match(request.path());
      if (params == null) {
        continue;
      }
      allowed.add(b.route.method());
      boolean head = b.endpoint != null && method.equals("HEAD") && b.route.method().equals("GET");
      if (match == null && (b.route.method().equals(method) || head)) {
        match = new Match(b, params);
      }
    }
    if (allowed.isEmpty()) {
      return done(new Rejection(404, "not_found", "no route for this path", null).toResponse());
    }
    if (method.equals("OPTIONS")) {
      allowed.add("OPTIONS");
      return done(HttpResponse.empty(204).withHeader("Allow", String.join(", ", allowed)));
    }
    if (match == null) {
      return done(methodNotAllowed(String.join(", ", allowed)));
    }
    if (countParameters(request.rawQuery()) > maxQueryParameters) {
      return done(Rejection.badRequest("too_many_parameters",
          "a request takes at most " + maxQueryParameters + " query parameters", null).toResponse());
    }
    if (match.bound.endpoint != null) {
      RequestContext context = new RequestContext(match.bound.route, match.params, clock.instant(),
          clientIp(request), request.header("User-Agent"), pipeline.collectorInfo());
      return done(match.bound.endpoint.handle(request, context));
    }
    byte[] body = request.body();
    if (body.length > maxBodyBytes) {
      return done(tooLarge());
    }
    Route route = match.bound.route;
    String mediaType = request.mediaType();
    if (body.length > 0 && !route.mediaTypes().isEmpty()
        && (mediaType == null || !route.mediaTypes().contains(mediaType))) {
      return done(new Rejection(415, "unsupported_media_type",
          "this route takes " + String.join(" or ", new TreeSet<>(route.mediaTypes())), "Content-Type")
          .toResponse());
    }
    String encoding = request.header("Content-Encoding");
    if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
      if (!encoding.trim().toLowerCase(Locale.ROOT).equals("gzip")) {
        return done(new Rejection(415, "unsupported_content_encoding", "only gzip content encoding is supported",
            "Content-Encoding").toResponse());
      }
      try {
        body = gunzip(body);
      } catch (IOException e) {
        return done(Rejection.badRequest("bad_encoding", "the body is not valid gzip", "Content-Encoding")
            .toResponse());
      }
      if (body.length > maxBodyBytes) {
        return done(tooLarge());
      }
      request = HttpRequest.builder(request.method(), request.path()).rawQuery(request.rawQuery())
          .headers(request.headers()).remoteAddress(request.remoteAddress()).body(body).build();
    }
    // Header values kept in envelopes are bounded so that no header can push an event past the size cap.
    List<String> cut = new ArrayList<>(2);
    String userAgent = request.header("User-Agent");
    if (userAgent != null && userAgent.length() > TruncatedValues.MAX_USER_AGENT) {
      userAgent = TruncatedValues.cut(userAgent, TruncatedValues.MAX_USER_AGENT);
      cut.add("userAgent");
    }
    String clientIp = clientIp(request);
    if (clientIp != null && clientIp.length() > TruncatedValues.MAX_CLIENT_IP) {
      clientIp = TruncatedValues.cut(clientIp, TruncatedValues.MAX_CLIENT_IP);
      cut.add("clientIp");
    }
    RequestContext context = new RequestContext(route, match.params, clock.instant(), clientIp, userAgent,
        pipeline.collectorInfo());
    Input input = match.bound.input;
    Intake read = input.read(request, context);
    if (!cut.isEmpty() && !read.envelopes().isEmpty()) {
      List<Envelope> marked = new ArrayList<>(read.envelopes().size());
      read.envelopes().forEach(e -> marked.add(TruncatedValues.mark(e, cut)));
      read = read.withEnvelopes(marked);
    }
    Intake intake = read;
    countRejections(intake);
    if (intake.envelopes().isEmpty()) {
      return done(input.respond(intake, context));
    }
    return pipeline.collect(intake.envelopes()).handle((v, error) ->
        error == null ? input.respond(intake, context) : appendFailed(error, intake.envelopes()));
  }

  /** How many non-empty {@code name[=value]} pairs a raw query holds, without decoding it. */
  private static int countParameters(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return 0;
    }
    int count = 0;
    int start = 0;
    while (start <= rawQuery.length()) {
      int end = rawQuery.indexOf('&', start);
      if (end < 0) {
        end = rawQuery.length();
      }
      if (end > start) {
        count++;
      }
      start = end + 1;
    }
    return count;
  }

  private void countRejections(Intake intake) {
    if (intake.rejection() != null) {
      pipeline.metrics().rejected(intake.rejection().code(), Math.max(1, intake.envelopes().size()));
    }
    for (ItemRejection r : intake.rejected()) {
      pipeline.metrics().rejected(r.rejection().code(), 1);
    }
  }

  private String clientIp(HttpRequest request) {
    if (trustForwardedHeaders) {
      String forwarded = request.header("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        return forwarded.split(",")[0].trim();
      }
    }
    return request.remoteAddress();
  }

  /** Decompresses, reading at most one byte past the limit so that a gzip bomb costs nothing. */
  private byte[] gunzip(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBodyBytes, body.length * 4 + 64));
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > maxBodyBytes) {
          break;
        }
      }
      return out.toByteArray();
    } catch (ZipException | java.io.EOFException e) {
      throw new IOException("bad gzip", e);
    }
  }

  private HttpResponse appendFailed(Throwable error, List<Envelope> batch) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof BufferFullException && exceedsCapacity(batch)) {
      // Retrying cannot help: the client must send fewer events per request.
      pipeline.metrics().rejected("batch_exceeds_capacity", 1);
      return new Rejection(413, "batch_exceeds_capacity", "the batch is larger than the collector's log can "
          + "ever hold; send fewer or smaller events per request", null).toResponse();
    }
    if (cause instanceof BufferFullException) {
      pipeline.metrics().rejected("buffer_full", 1);
      long seconds = Math.max(1, ((BufferFullException) cause).retryAfter().toSeconds());
      return new Rejection(503, "buffer_full", "the collector is catching up; retry later", null).toResponse()
          .withHeader("Retry-After", Long.toString(seconds));
    }
    if (!pipeline.isAccepting()) {
      return new Rejection(503, "unavailable", "the collector is not accepting events now", null).toResponse()
          .withHeader("Retry-After", "5");
    }
    LOG.error("events could not be made durable: {}", cause.toString());
    return new Rejection(503, "storage_unavailable", "events could not be stored; retry later", null)
        .toResponse().withHeader("Retry-After", "5");
  }

  /**
   * Whether {@code batch} alone is more than the log's whole capacity, in events or in encoded bytes, so that it
   * could not be appended even to an empty log. The bytes are those of the envelopes before validation adds its
   * outcome, a lower bound of what the log counts: a batch just under the byte capacity is left a 503. Called only
   * after the log refused a batch.
   */
  private boolean exceedsCapacity(List<Envelope> batch) {
    RingBufferStats log = pipeline.status().log();
    if (batch.size() > log.capacityEvents()) {
      return true;
    }
    if (log.capacityBytes() == Long.MAX_VALUE) {
      return false;
    }
    long bytes = 0;
    for (Envelope e : batch) {
      bytes += EnvelopeCodec.encode(e).length;
      if (bytes > log.capacityBytes()) {
        return true;
      }
    }
    return false;
  }

  private static HttpResponse methodNotAllowed(String allow) {
    return new Rejection(405, "method_not_allowed", "this path takes " + allow, null).toResponse()
        .withHeader("Allow", allow);
  }

  private HttpResponse tooLarge() {
    return new Rejection(413, "body_too_large", "the body is larger than " + maxBodyBytes + " bytes", null)
        .toResponse();
  }

  private static HttpResponse internalError() {
    return HttpResponse.json(500, new Rejection(500, "internal_error", "the collector failed unexpectedly", null)
        .toJson());
  }

  /**
   * CORS for inputs: any origin, with credentials (beacons and trackers' cookies), and whatever request headers a
   * preflight asks for — tracking libraries add their own (analytics.js {@code X-Retry-Count}, RudderStack
   * {@code AnonymousId}, custom headers configured by the site) and the collector reads none it does not know.
   */
  private static HttpResponse withCors(HttpResponse r, String origin, String requestedHeaders) {
    return r.withHeader("Access-Control-Allow-Origin", origin)
        .withHeader("Access-Control-Allow-Credentials", "true")
        .withHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .withHeader("Access-Control-Allow-Headers", allowedHeaders(requestedHeaders))
        .withHeader("Access-Control-Max-Age", "86400")
        .withHeader("Vary", "Origin, Access-Control-Request-Headers");
  }

  /** The headers always allowed, plus the well-formed names a preflight requested (at most 32 of them). */
  private static String allowedHeaders(String requested) {
    Set<String> names = new LinkedHashSet<>(BASE_ALLOWED_HEADERS);
    Set<String> lower = new HashSet<>();
    names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
    if (requested != null) {
      int added = 0;
      for (String name : requested.split(",")) {
        String n = name.trim();
        if (added < 32 && HEADER_NAME.matcher(n).matches() && lower.add(n.toLowerCase(Locale.ROOT))) {
          names.add(n);
          added++;
        }
      }
    }
    return String.join(", ", names);
  }

  private static CompletableFuture<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }

  /**
   * Configures a {@link Collector}; not thread-safe. Required: one {@link #input input} or more. Defaults: no
   * endpoints besides health at {@code /health}, 1 MiB body limit, 500 query parameters, forwarded headers not
   * trusted.
   */
  public static final class Builder {
    private final Pipeline pipeline;
    private int maxBodyBytes = 1024 * 1024;
    private int maxQueryParameters = 500;
    private boolean trustForwardedHeaders;
    private String healthPath = "/health";
    private Clock clock = Clock.systemUTC();
    private final Map<String, HealthCheck> healthChecks = new java.util.LinkedHashMap<>();
    private final List<Input> inputs = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();

    private Builder(Pipeline pipeline) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    }

    /** Adds a tracking protocol; its routes take events. */
    public Builder input(Input input) {
      inputs.add(Objects.requireNonNull(input, "input"));
      return this;
    }

    /** Adds routes that take no events (schema listings, metrics, documentation). */
    public Builder endpoint(Endpoint endpoint) {
      endpoints.add(Objects.requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /** The largest request body accepted, after decompression; 1 MiB by default. */
    public Builder maxBodyBytes(int bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * The most query parameters a request may carry; more is answered 400 {@code too_many_parameters} before any
     * input reads the request (each parameter may become an attribute of every event of the request).
     */
    public Builder maxQueryParameters(int max) {
      this.maxQueryParameters = max;
      return this;
    }

    /** Take the client address from {@code X-Forwarded-For} (only behind a proxy that sets it). */
    public Builder trustForwardedHeaders(boolean trust) {
      this.trustForwardedHeaders = trust;
      return this;
    }

    public Builder healthPath(String path) {
      this.healthPath = Objects.requireNonNull(path, "healthPath");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Adds a component to {@code GET /health} under {@code name}. */
    public Builder healthCheck(String name, HealthCheck check) {
      healthChecks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
      return this;
    }

    /**
     * Builds the collector.
     *
     * @throws IllegalStateException when no input was added
     * @throws IllegalArgumentException for a setting out of range
     */
    public Collector build() {
      if (inputs.isEmpty()) {
        throw new IllegalStateException("add at least one input, such as SegmentInput.create()");
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
      if (maxQueryParameters < 1) {
        throw new IllegalArgumentException("maxQueryParameters must be positive");
      }
      if (!healthPath.startsWith("/")) {
        throw new IllegalArgumentException("healthPath must start with '/'");
      }
      return new Collector(this);
    }
  }
}
