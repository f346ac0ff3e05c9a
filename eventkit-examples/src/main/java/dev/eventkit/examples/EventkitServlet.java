package dev.eventkit.examples;

import dev.eventkit.internal.http.BoundedBody;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts a {@link Collector} to any Jakarta Servlet 6 container (Tomcat, Jetty, Undertow, …). Map it to the paths
 * the collector should serve, e.g. {@code /*}, with async support enabled: the response is written when the
 * events are durable, without holding a container thread while the log commits.
 *
 * <p>Thread-safe. Reads at most the collector's body limit plus one byte (the collector answers 413 beyond it).
 * A client that disconnects mid-response is logged at debug level.
 */
public final class EventkitServlet extends HttpServlet {

  private static final Logger LOG = LoggerFactory.getLogger(EventkitServlet.class);
  private static final long serialVersionUID = 1L;

  private final transient Collector collector;

  public EventkitServlet(Collector collector) {
    this.collector = Objects.requireNonNull(collector, "collector");
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] body = BoundedBody.read(req.getInputStream(), collector);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String name : Collections.list(req.getHeaderNames())) {
      headers.put(name, new ArrayList<>(Collections.list(req.getHeaders(name))));
    }
    String path = req.getRequestURI().substring(req.getContextPath().length());
    HttpRequest request = HttpRequest.builder(req.getMethod(), decodePath(path))
        .rawQuery(req.getQueryString())
        .headers(headers)
        .body(body)
        .remoteAddress(req.getRemoteAddr())
        .build();
    AsyncContext async = req.startAsync();
    async.setTimeout(0);
    collector.handle(request).whenComplete((response, error) -> {
      try {
        write(response, (HttpServletResponse) async.getResponse(), req.getMethod());
      } catch (IOException e) {
        LOG.debug("client connection failed: {}", e.getMessage());
      } finally {
        async.complete();
      }
    });
  }

  private static String decodePath(String raw) {
    try {
      return java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
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
