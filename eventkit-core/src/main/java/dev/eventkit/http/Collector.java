package dev.eventkit.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.BatchTooLargeException;
import dev.eventkit.buffer.BufferFullException;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.health.HealthCheck;
import dev.eventkit.http.security.AccessLog;
import dev.eventkit.http.security.ClientAddressPolicy;
import dev.eventkit.http.security.CorsPolicy;
import dev.eventkit.http.security.HeaderPolicy;
import dev.eventkit.http.security.IpAnonymizer;
import dev.eventkit.http.security.RateLimits;
import dev.eventkit.http.security.WriteKeys;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
import org.slf4j.MDC;

/**
 * The HTTP-stack-agnostic front door: routes a {@link HttpRequest} to its {@link Input inputs} (tracking protocols),
 * appends what they accept to the pipeline, and answers — 2xx only once the events are durable in the log. Also
 * serves its {@link Endpoint endpoints} (routes that take no events), {@code GET /health} and CORS preflights.
 * Host adapters (the JDK server, servlets, Netty) turn their requests into {@link HttpRequest}s and call
 * {@link #handle}.
 *
 * <p>Protections, each a policy of {@code dev.eventkit.http.security} set on the {@link Builder}: write keys
 * (401 without a valid key, 403 for a key not allowed on the path or stream), per-client and per-key rate limits
 * (429 with {@code Retry-After}), a CORS origin policy (a disallowed origin gets no CORS headers and 403), an admin
 * key for endpoints, the client-address rule behind trusted proxies, address truncation, a header allow-list with
 * value caps, and an access log. Every answer carries {@code X-Content-Type-Options: nosniff},
 * {@code Cache-Control: no-store} (unless the answer sets its own) and {@code X-Request-Id}. The request id is also
 * in the SLF4J {@link MDC} under {@value #REQUEST_ID_MDC_KEY} while the collector works on the request on the calling
 * thread and while it writes the access log line, so that a logging backend can print it on those lines.
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

  /** The SLF4J MDC key holding the request id (see the class comment). */
  public static final String REQUEST_ID_MDC_KEY = "request_id";

  private static final List<String> BASE_ALLOWED_HEADERS =
      List.of("Content-Type", "Content-Encoding", "Authorization", "SP-Anonymous", "X-Retry-Count");

  /** An HTTP header name (an RFC 9110 token), of a sane length. */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");

  private final Pipeline pipeline;
  private final int maxBodyBytes;
  private final int maxQueryParameters;
  private final Clock clock;
  private final WriteKeys writeKeys;
  private final WriteKeys adminKeys;
  private final CorsPolicy cors;
  private final RateLimits rateLimits;
  private final ClientAddressPolicy clientAddresses;
  private final IpAnonymizer anonymizer;
  private final HeaderPolicy headerPolicy;
  private final AccessLog accessLog;
  private final List<Bound> routes;
  /** The echo routes' prefix, or null. */
  private final String echoPrefix;
  private final Map<String, HealthCheck> healthChecks;

  /**
   * A route with what serves it: an input or an endpoint (exactly one is set). An echo route is an input's route
   * under the echo prefix ({@code echoed} is the input's own route, which the input sees): read like the input's
   * own, answered with the envelopes, never appended.
   */
  private record Bound(Route route, Input input, Endpoint endpoint, Route echoed) {}

  private record Match(Bound bound, Map<String, String> params) {}

  /** What one request learns on its way through: its client address, its key, how many events were stored. */
  private static final class Exchange {
    final String clientIp;
    WriteKeys.Key key;
    volatile int events;

    Exchange(String clientIp) {
      this.clientIp = clientIp;
    }
  }

  private Collector(Builder b) {
    this.pipeline = b.pipeline;
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxQueryParameters = b.maxQueryParameters;
    this.clock = b.clock;
    this.writeKeys = b.writeKeys;
    this.adminKeys = b.adminKeys;
    this.cors = b.cors;
    this.rateLimits = b.rateLimits;
    this.clientAddresses = b.clientAddresses;
    this.anonymizer = b.anonymizer;
    this.headerPolicy = b.headerPolicy;
    this.accessLog = b.accessLog;
    this.healthChecks = Map.copyOf(b.healthChecks);
    this.echoPrefix = b.echoPrefix;
    List<Bound> all = new ArrayList<>();
    for (Input input : b.inputs) {
      for (Route r : input.routes()) {
        all.add(new Bound(r, input, null, null));
        if (b.echoPrefix != null) {
          all.add(new Bound(new Route(r.method(), b.echoPrefix + r.template(), r.mediaTypes()), input, null, r));
        }
      }
    }
    List<Endpoint> endpoints = new ArrayList<>(b.endpoints);
    endpoints.add(new HealthEndpoint(b.healthPath, pipeline, healthChecks));
    for (Endpoint endpoint : endpoints) {
      for (Route r : endpoint.routes()) {
        all.add(new Bound(r, null, endpoint, null));
      }
    }
    all.sort(Comparator.comparingInt((Bound x) -> x.route.specificity()).reversed());
    this.routes = List.copyOf(all);
  }

  /** A builder for a collector in front of {@code pipeline}; add at least one input. */
  public static Builder builder(Pipeline pipeline) {
    return new Builder(pipeline);
  }

  /**
   * Every route this collector serves, most specific first: the inputs' routes, their echo routes when
   * {@link Builder#echo echo} is on, the endpoints' routes and health. A {@code GET} route also answers
   * {@code HEAD} when an endpoint serves it, and every path answers {@code OPTIONS}. Read-only; for documentation
   * and tests that compare what is served with what is documented.
   */
  public List<Route> routes() {
    List<Route> out = new ArrayList<>(routes.size());
    routes.forEach(b -> out.add(b.route));
    return List.copyOf(out);
  }

  /** The largest request body accepted; hosts should stop reading after this many bytes plus one. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Handles one request; the future never completes exceptionally. */
  public CompletableFuture<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    String requestId = AccessLog.requestId(request.header("X-Request-Id"));
    String origin = isEndpoint(request) ? null : request.header("Origin");
    String requestedHeaders = request.header("Access-Control-Request-Headers");
    CompletableFuture<HttpResponse> response;
    Exchange x = new Exchange(clientIp(request));
    String previous = MDC.get(REQUEST_ID_MDC_KEY);
    MDC.put(REQUEST_ID_MDC_KEY, requestId);
    try {
      HttpResponse refused = screen(request, x, origin);
      response = refused != null ? done(refused) : route(request, x);
    } catch (RuntimeException e) {
      LOG.error("unexpected failure handling {} {}", request.method(), routeName(request), e);
      response = CompletableFuture.completedFuture(internalError());
    } finally {
      restoreRequestId(previous);
    }
    return response.exceptionally(e -> {
      String outer = MDC.get(REQUEST_ID_MDC_KEY);
      MDC.put(REQUEST_ID_MDC_KEY, requestId);
      try {
        LOG.error("unexpected failure handling {} {}", request.method(), routeName(request), e);
      } finally {
        restoreRequestId(outer);
      }
      return internalError();
    }).thenApply(r -> {
      pipeline.metrics().request(request.method(), routeName(request), r.status(), System.nanoTime() - started);
      return origin == null ? r : withCors(r, origin, requestedHeaders);
    }).thenApply(r -> finish(r, request, x, requestId, started));
  }

  /**
   * Refusals before routing: the client's rate limit (429) and a browser origin the CORS policy does not allow
   * (403, preflights included). Null when the request may go on.
   */
  private HttpResponse screen(HttpRequest request, Exchange x, String origin) {
    long wait = rateLimits.tryClient(x.clientIp);
    if (wait > 0) {
      return rateLimited(wait);
    }
    if (origin != null && !cors.allows(origin)) {
      pipeline.metrics().rejected("origin_not_allowed", 1);
      return new Rejection(403, "origin_not_allowed", "this origin may not send to the collector", "Origin")
          .toResponse();
    }
    return null;
  }

  private HttpResponse rateLimited(long waitNanos) {
    pipeline.metrics().rejected("rate_limited", 1);
    long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    return new Rejection(429, "rate_limited", "too many requests; retry later", null).toResponse()
        .withHeader("Retry-After", Long.toString(seconds));
  }

  /**
   * The key check of an input's route before its body is read: none needed (no keys configured, or an open
   * path), a key in {@code Authorization} (or, on query-key paths, the query) that is valid and allowed on the path
   * and within its rate limit, or none yet (then the body may carry one, see {@link #authorizeBody}). Returns the
   * refusal, or null.
   */
  private HttpResponse authorize(HttpRequest request, Exchange x) {
    if (writeKeys == null) {
      return null;
    }
    String path = canonicalPath(request.path());
    WriteKeys.Access access = writeKeys.access(path);
    if (access == WriteKeys.Access.OPEN) {
      return null;
    }
    String presented = WriteKeys.fromAuthorization(request.header("Authorization"));
    if (presented == null && access == WriteKeys.Access.QUERY_KEY) {
      presented = request.queryParameter(writeKeys.queryParameter());
    }
    return presented == null ? null : admit(writeKeys.find(presented), path, x);
  }

  /** The key an input finds in the body, when the headers and query carried none; the refusal, or null. */
  private HttpResponse authorizeBody(HttpRequest request, Input input, Exchange x) {
    String path = canonicalPath(request.path());
    if (writeKeys == null || x.key != null || writeKeys.access(path) == WriteKeys.Access.OPEN) {
      return null;
    }
    String inBody = input.writeKeyInBody(request);
    if (inBody == null) {
      return unauthorized("a write key is required");
    }
    return admit(writeKeys.find(inBody), path, x);
  }

  private HttpResponse admit(WriteKeys.Key key, String path, Exchange x) {
    if (key == null) {
      return unauthorized("the write key is not valid");
    }
    if (!key.allowsPath(path)) {
      pipeline.metrics().rejected("forbidden", 1);
      return new Rejection(403, "forbidden", "this write key may not send to this path", null).toResponse();
    }
    long wait = rateLimits.tryKey(key.name());
    if (wait > 0) {
      return rateLimited(wait);
    }
    x.key = key;
    return null;
  }

  /** 403 when the request's key may not write to a stream that one of its events belongs to; else null. */
  private HttpResponse checkStreams(Intake intake, Exchange x) {
    if (x.key == null) {
      return null;
    }
    for (Envelope e : intake.envelopes()) {
      if (!x.key.allowsStream(e.stream())) {
        pipeline.metrics().rejected("forbidden", 1);
        return new Rejection(403, "forbidden", "this write key may not send to this stream", "stream")
            .toResponse();
      }
    }
    return null;
  }

  /** Endpoints (health, schemas, metrics) require an admin key when one is configured; the refusal, or null. */
  private HttpResponse authorizeAdmin(HttpRequest request) {
    if (adminKeys == null) {
      return null;
    }
    WriteKeys.Key key = adminKeys.find(WriteKeys.fromAuthorization(request.header("Authorization")));
    if (key == null) {
      return unauthorized("an admin key is required");
    }
    if (!key.allowsPath(canonicalPath(request.path()))) {
      pipeline.metrics().rejected("forbidden", 1);
      return new Rejection(403, "forbidden", "this admin key may not read this path", null).toResponse();
    }
    return null;
  }

  /** The path as routes see it (empty segments dropped: {@code //v1//track/} is {@code /v1/track}), for key rules. */
  private static String canonicalPath(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        out.append('/').append(segment);
      }
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  private HttpResponse unauthorized(String message) {
    pipeline.metrics().rejected("unauthorized", 1);
    return new Rejection(401, "unauthorized", message, "Authorization").toResponse()
        .withHeader("WWW-Authenticate", "Bearer realm=\"eventkit\"");
  }

  /**
   * The request as inputs see it: headers through the header policy (credentials always removed, values capped)
   * and, when keys are configured, the key's query parameter removed, so that nothing an input keeps holds a key.
   */
  private HttpRequest forInput(HttpRequest request) {
    String query = writeKeys == null ? request.rawQuery() : writeKeys.withoutQueryParameter(request.rawQuery());
    return HttpRequest.builder(request.method(), request.path()).rawQuery(query)
        .headers(headerPolicy.apply(request.headers())).remoteAddress(request.remoteAddress())
        .body(request.body()).build();
  }

  /** The client address as envelopes record it: truncated when an anonymizer is set. */
  private String storedClientIp(Exchange x) {
    return anonymizer.enabled() ? anonymizer.apply(x.clientIp) : x.clientIp;
  }

  /** Headers every answer carries, and the access log line. */
  private HttpResponse finish(HttpResponse r, HttpRequest request, Exchange x, String requestId, long started) {
    HttpResponse out = r.withHeader("X-Content-Type-Options", "nosniff").withHeader("X-Request-Id", requestId);
    if (out.header("Cache-Control") == null) {
      out = out.withHeader("Cache-Control", "no-store");
    }
    if (accessLog.enabled()) {
      // Often written on the log's writer thread: the request id is set there for this line only.
      String previous = MDC.get(REQUEST_ID_MDC_KEY);
      MDC.put(REQUEST_ID_MDC_KEY, requestId);
      try {
        accessLog.record(requestId, request.method(), routeTemplate(request), out.status(), x.events,
            request.body().length, out.body().length, System.nanoTime() - started);
      } finally {
        restoreRequestId(previous);
      }
    }
    return out;
  }

  /** Puts back the request id a thread had before (a host may serve a request inside another's work). */
  private static void restoreRequestId(String previous) {
    if (previous == null) {
      MDC.remove(REQUEST_ID_MDC_KEY);
    } else {
      MDC.put(REQUEST_ID_MDC_KEY, previous);
    }
  }

  private boolean isEndpoint(HttpRequest request) {
    List<String> parts = Route.segmentsOf(request.path());
    for (Bound b : routes) {
      if (b.route.match(parts) != null) {
        return b.endpoint != null;
      }
    }
    return false;
  }

  private String routeTemplate(HttpRequest request) {
    List<String> parts = Route.segmentsOf(request.path());
    for (Bound b : routes) {
      if (b.route.match(parts) != null) {
        return b.route.template();
      }
    }
    return null;
  }

  private String routeName(HttpRequest request) {
    List<String> parts = Route.segmentsOf(request.path());
    for (Bound b : routes) {
      if (b.route.match(parts) != null) {
        return b.route.template();
      }
    }
    return "(unrouted)";
  }

  private CompletableFuture<HttpResponse> route(HttpRequest request, Exchange x) {
    String method = request.method();
    Match match = null;
    TreeSet<String> allowed = new TreeSet<>();
    List<String> parts = Route.segmentsOf(request.path());
    for (Bound b : routes) {
      Map<String, String> params = b.route.match(parts);
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
      HttpResponse denied = authorizeAdmin(request);
      if (denied != null) {
        return done(denied);
      }
      RequestContext context = new RequestContext(match.bound.route, match.params, clock.instant(),
          storedClientIp(x), headerPolicy.userAgent(request.header("User-Agent")), pipeline.collectorInfo());
      return done(match.bound.endpoint.handle(request, context));
    }
    HttpResponse denied = authorize(request, x);
    if (denied != null) {
      return done(denied);
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
    Input input = match.bound.input;
    denied = authorizeBody(request, input, x);
    if (denied != null) {
      return done(denied);
    }
    String rawAgent = request.header("User-Agent");
    request = forInput(request);
    if (match.bound.echoed != null) {
      // The input reads the request as if it had come to its own route.
      route = match.bound.echoed;
      request = HttpRequest.builder(request.method(), echoPrefix == null ? request.path()
          : canonicalPath(request.path()).substring(echoPrefix.length())).rawQuery(request.rawQuery())
          .headers(request.headers()).remoteAddress(request.remoteAddress()).body(request.body()).build();
    }
    // Header values kept in envelopes are bounded so that no header can push an event past the size cap; what was
    // cut is named in the events' attributes.
    List<String> cut = new ArrayList<>(2);
    String userAgent = headerPolicy.userAgent(rawAgent);
    if (userAgent != null && userAgent.length() > TruncatedValues.MAX_USER_AGENT) {
      userAgent = TruncatedValues.cut(userAgent, TruncatedValues.MAX_USER_AGENT);
    }
    if (rawAgent != null && userAgent != null && userAgent.length() < rawAgent.length()) {
      cut.add("userAgent");
    }
    RequestContext context = new RequestContext(route, match.params, clock.instant(), storedClientIp(x), userAgent,
        pipeline.collectorInfo());
    Intake read = input.read(request, context);
    if (!cut.isEmpty() && !read.envelopes().isEmpty()) {
      List<Envelope> marked = new ArrayList<>(read.envelopes().size());
      read.envelopes().forEach(e -> marked.add(TruncatedValues.mark(e, cut)));
      read = read.withEnvelopes(marked);
    }
    Intake intake = read;
    denied = checkStreams(intake, x);
    if (denied != null) {
      return done(denied);
    }
    if (match.bound.echoed != null) {
      return done(echo(input, intake, context));
    }
    countRejections(intake);
    if (intake.envelopes().isEmpty()) {
      return done(input.respond(intake, context));
    }
    int appended = intake.envelopes().size();
    return pipeline.collect(intake.envelopes()).thenRun(() -> x.events = appended).handle((v, error) -> error == null
        ? input.respond(intake, context) : appendFailed(error, intake.envelopes()));
  }

  /**
   * The answer of an echo route: the envelopes the request would append — intercepted, validated — without
   * appending them, with what the input's own route would have answered. A request the input refuses outright gets
   * the input's own refusal. At most {@link ItemRejection#MAX_LISTED} envelopes are listed ({@code count} is the
   * total), so the answer stays within a small multiple of the body limit.
   */
  private HttpResponse echo(Input input, Intake intake, RequestContext context) {
    HttpResponse wouldAnswer = input.respond(intake, context);
    if (intake.envelopes().isEmpty() && intake.rejection() != null) {
      return wouldAnswer;
    }
    List<Envelope> previewed = pipeline.preview(intake.envelopes());
    ObjectNode out = Json.object()
        .put("status", "echo").put("stored", false).put("wouldAnswer", wouldAnswer.status())
        .put("count", previewed.size());
    ArrayNode listed = out.putArray("envelopes");
    for (Envelope e : previewed.subList(0, Math.min(previewed.size(), ItemRejection.MAX_LISTED))) {
      listed.addRawValue(new RawValue(new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8)));
    }
    if (!intake.rejected().isEmpty()) {
      out.put("rejectedCount", intake.rejected().size());
      out.set("rejected", ItemRejection.listJson(intake.rejected()));
    }
    return HttpResponse.json(200, out);
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

  /** The client's address by the client-address policy (before any truncation, for rate limits). */
  private String clientIp(HttpRequest request) {
    return clientAddresses.resolve(request.remoteAddress(), request.headers()::get);
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
    if (cause instanceof BatchTooLargeException
        || cause instanceof BufferFullException && exceedsCapacity(batch)) {
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
    // The class only: a storage error's message may quote what was being written.
    LOG.error("events could not be made durable: {}", cause.getClass().getName());
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
   * CORS for inputs, as the policy allows the origin, and whatever request headers a preflight asks for: tracking
   * libraries add their own (analytics.js {@code X-Retry-Count}, RudderStack {@code AnonymousId}, custom headers
   * configured by the site) and the collector reads none it does not know.
   */
  private HttpResponse withCors(HttpResponse r, String origin, String requestedHeaders) {
    HttpResponse out = r;
    Map<String, String> headers = cors.headers(origin);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      out = out.withHeader(h.getKey(), h.getValue());
    }
    if (headers.containsKey("Access-Control-Allow-Origin")) {
      out = out.withHeader("Access-Control-Allow-Headers", allowedHeaders(requestedHeaders))
          .withHeader("Vary", "Origin, Access-Control-Request-Headers");
    }
    return out;
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
   * endpoints besides health at {@code /health}, 1 MiB body limit, 500 query parameters, forwarded headers not trusted, no write or admin
   * key required, any well-formed origin but {@code null} allowed, no rate limit, addresses kept whole, every
   * header but credentials passed to inputs (values capped), no access log.
   */
  public static final class Builder {
    private final Pipeline pipeline;
    private int maxBodyBytes = 1024 * 1024;
    private int maxQueryParameters = 500;
    private String healthPath = "/health";
    private WriteKeys writeKeys;
    private WriteKeys adminKeys;
    private CorsPolicy cors = CorsPolicy.anyOrigin();
    private RateLimits rateLimits = RateLimits.none();
    private ClientAddressPolicy clientAddresses = ClientAddressPolicy.peerOnly();
    private IpAnonymizer anonymizer = IpAnonymizer.none();
    private HeaderPolicy headerPolicy = HeaderPolicy.defaults();
    private AccessLog accessLog = AccessLog.off();
    private Clock clock = Clock.systemUTC();
    private final Map<String, HealthCheck> healthChecks = new java.util.LinkedHashMap<>();
    private final List<Input> inputs = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private String echoPrefix;

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

    /**
     * Serves every input's routes a second time under {@code prefix} (e.g. {@code /debug/echo}: {@code GET /i} is
     * also {@code GET /debug/echo/i}) as echo routes, for tracker developers: a request there is read exactly as on
     * the input's own route — the same protections, body limits, decoding, header policy and address rules — and
     * its envelopes go through the pipeline's interceptors and validator, but nothing is appended to the log. The
     * answer is {@code 200 {"status":"echo","stored":false,"wouldAnswer":<the input's status>,"count":n,
     * "envelopes":[…]}} with each envelope as the log would store it (plus {@code rejectedCount} and
     * {@code rejected} for refused items of a batch); a request the input refuses is answered as the input answers
     * it. Off (null) by default: the answer repeats what the client sent, client address included.
     *
     * @throws IllegalArgumentException when {@code prefix} does not start with '/' or is '/' alone
     */
    public Builder echo(String prefix) {
      if (prefix != null && (!prefix.startsWith("/") || prefix.replace("/", "").isEmpty())) {
        throw new IllegalArgumentException("the echo prefix must start with '/' and name a path, e.g. /debug/echo");
      }
      this.echoPrefix = prefix == null ? null : prefix.replaceAll("/+$", "");
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

    /**
     * Take the client address from {@code X-Forwarded-For} whatever the peer: every peer counts as a trusted proxy.
     *
     * @deprecated name the proxies with {@link #clientAddressPolicy}; trusting every peer lets any client choose
     *     its recorded address (still only a valid IP literal, never other text)
     */
    @Deprecated
    public Builder trustForwardedHeaders(boolean trust) {
      this.clientAddresses = trust ? ClientAddressPolicy.trusting("0.0.0.0/0", "::/0") : ClientAddressPolicy.peerOnly();
      return this;
    }

    /** How the client address is found behind proxies; {@link ClientAddressPolicy#peerOnly()} by default. */
    public Builder clientAddressPolicy(ClientAddressPolicy policy) {
      this.clientAddresses = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Requires a write key on input routes (except paths the keys leave open); null (the default) requires none.
     * Without a valid key: 401; with a key not allowed on the path or one of the request's streams: 403.
     */
    public Builder writeKeys(WriteKeys keys) {
      this.writeKeys = keys;
      return this;
    }

    /** Requires one of these keys (in {@code Authorization}) on every endpoint, health included; null: open. */
    public Builder adminKeys(WriteKeys keys) {
      this.adminKeys = keys;
      return this;
    }

    /** Which browser origins may send; {@link CorsPolicy#anyOrigin()} by default. */
    public Builder cors(CorsPolicy policy) {
      this.cors = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Rate limits per client address and per write key; none by default. */
    public Builder rateLimits(RateLimits limits) {
      this.rateLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Truncation of client addresses before anything is stored; {@link IpAnonymizer#none()} by default. */
    public Builder ipAnonymizer(IpAnonymizer anonymizer) {
      this.anonymizer = Objects.requireNonNull(anonymizer, "anonymizer");
      return this;
    }

    /** Which headers inputs see and how long values may be; {@link HeaderPolicy#defaults()} by default. */
    public Builder headerPolicy(HeaderPolicy policy) {
      this.headerPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** One line per request; {@link AccessLog#off()} by default. */
    public Builder accessLog(AccessLog log) {
      this.accessLog = Objects.requireNonNull(log, "log");
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
