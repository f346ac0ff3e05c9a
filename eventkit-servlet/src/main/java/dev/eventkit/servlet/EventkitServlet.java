package dev.eventkit.servlet;

import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Rejection;
import dev.eventkit.internal.http.BoundedBody;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link Collector} from any Jakarta Servlet 6 container (Tomcat, Jetty, Undertow, …). Register it with
 * async support enabled and map it either to {@code /*} or to a base path such as {@code /eventkit/*}; the collector
 * sees the path below the mapping ({@code /eventkit/collect} reaches the collector as {@code /collect}).
 *
 * <p>The request body is read on the container thread, at most {@link Collector#maxBodyBytes()} plus one byte (a
 * longer body is answered 413 with the collector's JSON error). The request then goes asynchronous
 * ({@code startAsync}): the container thread returns to the pool while the log commits, and the response is written
 * from the thread that completes the commit. The raw query string is passed through untouched, for the collector to
 * decode leniently.
 *
 * <p>A client that disconnects before the answer is written is logged at debug level and otherwise ignored: the
 * events were (or were not) stored regardless, as the status the client never saw said. An unexpected failure of
 * the collector is a JSON 500, never a container error page.
 *
 * <p>Thread-safe: one instance serves all requests.
 */
public final class EventkitServlet extends HttpServlet {

  private static final Logger LOG = LoggerFactory.getLogger(EventkitServlet.class);
  private static final long serialVersionUID = 1L;
  /** How much of an oversized body is read and dropped, so the client sees the 413 rather than a reset. */
  private static final long MAX_DISCARD_BYTES = 1L << 20;

  private final transient Collector collector;

  /** A servlet that hands every request to {@code collector}. */
  public EventkitServlet(Collector collector) {
    this.collector = Objects.requireNonNull(collector, "collector");
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    HttpRequest request;
    try {
      request = toRequest(req);
    } catch (IOException e) {
      // The client went away (or stalled past the container's timeout) while sending its body: nothing was
      // stored and nobody is left to answer.
      LOG.debug("client connection failed while reading the request: {}", e.getMessage());
      return;
    }
    AsyncContext async = req.startAsync();
    // The log decides how long a commit takes; the container's async timeout must not answer in its place.
    async.setTimeout(0);
    AtomicBoolean finished = new AtomicBoolean();
    async.addListener(new AsyncListener() {
      @Override
      public void onComplete(AsyncEvent event) {
        finished.set(true);
      }

      @Override
      public void onTimeout(AsyncEvent event) {
        finished.set(true);
      }

      @Override
      public void onError(AsyncEvent event) {
        // The connection failed (typically the client disconnected) before the answer was written.
        if (finished.compareAndSet(false, true)) {
          LOG.debug("client connection failed before the response: {}", String.valueOf(event.getThrowable()));
          event.getAsyncContext().complete();
        }
      }

      @Override
      public void onStartAsync(AsyncEvent event) {}
    });
    String method = req.getMethod();
    collector.handle(request).whenComplete((response, error) -> {
      if (finished.get()) {
        return;
      }
      try {
        HttpResponse out = response != null
            ? response
            : new Rejection(500, "internal_error", "the collector failed unexpectedly", null).toResponse();
        write(out, (HttpServletResponse) async.getResponse(), method);
      } catch (IOException | RuntimeException e) {
        // IOException: the client went away; IllegalStateException: the container already ended the request.
        LOG.debug("client connection failed while writing the response: {}", e.toString());
      } finally {
        if (finished.compareAndSet(false, true)) {
          try {
            async.complete();
          } catch (IllegalStateException e) {
            LOG.debug("the container had already completed the request");
          }
        }
      }
    });
  }

  private HttpRequest toRequest(HttpServletRequest req) throws IOException {
    InputStream in = req.getInputStream();
    byte[] body = BoundedBody.read(in, collector);
    if (body.length > collector.maxBodyBytes()) {
      discard(in);
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String name : Collections.list(req.getHeaderNames())) {
      headers.put(name, new ArrayList<>(Collections.list(req.getHeaders(name))));
    }
    return HttpRequest.builder(req.getMethod(), collectorPath(req))
        .rawQuery(req.getQueryString())
        .headers(headers)
        .body(body)
        .remoteAddress(req.getRemoteAddr())
        .build();
  }

  /** Reads and drops the rest of an oversized body, up to a bound. */
  private static void discard(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    long left = MAX_DISCARD_BYTES;
    int n;
    while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
      left -= n;
    }
  }

  /**
   * The decoded path below the servlet's mapping: below the context path, and below the servlet path when the
   * servlet is mapped to a path prefix ({@code /eventkit/*}).
   */
  static String collectorPath(HttpServletRequest req) {
    String path = decodePath(req.getRequestURI().substring(req.getContextPath().length()));
    HttpServletMapping mapping = req.getHttpServletMapping();
    if (mapping != null && mapping.getMappingMatch() == MappingMatch.PATH) {
      String prefix = req.getServletPath();
      if (prefix != null && path.startsWith(prefix)) {
        path = path.substring(prefix.length());
      }
    }
    return path.isEmpty() ? "/" : path;
  }

  private static String decodePath(String raw) {
    try {
      // '+' is a literal plus in a path, not a space.
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return raw;
    }
  }

  private static void write(HttpResponse response, HttpServletResponse out, String method) throws IOException {
    out.setStatus(response.status());
    response.headers().forEach(out::setHeader);
    byte[] body = response.body();
    if (body.length > 0 && !"HEAD".equals(method)) {
      out.setContentLength(body.length);
      out.getOutputStream().write(body);
    }
  }
}
