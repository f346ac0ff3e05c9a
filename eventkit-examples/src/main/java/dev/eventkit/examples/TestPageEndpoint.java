package dev.eventkit.examples;

import dev.eventkit.http.Endpoint;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The test page at {@code GET /}: the Snowplow browser tracker (bundled into the jar at build time from its npm
 * package, served with its licence from {@code /test-page/assets/}), buttons that send a page view, a structured
 * event and a self-describing event with a context to this collector, and the envelopes arriving live, read from
 * {@code GET /test-page/envelopes} ({@link RecentEnvelopes}). Mounted only when the test page is on; in
 * {@link ToolsConfig.TestPage#LOCAL LOCAL} mode a client that is not on a loopback address gets 404, as if nothing
 * were there.
 *
 * <p>Thread-safe; files are read from the class path once and kept. Failure modes: a tracker missing from the build
 * (npm could not install it) leaves {@code sp.js} a JSON 404 with code {@code tracker_not_bundled}, and the page
 * says how to bundle it.
 */
final class TestPageEndpoint implements Endpoint {

  /** Where the build copies the tracker's npm package (its bundle and licence). */
  static final String TRACKER = "test-page/tracker/";
  private static final Pattern IP_LITERAL = Pattern.compile(
      "[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");
  /** The files served under {@code /test-page/assets/}: name → (resource, content type). */
  private static final Map<String, String[]> ASSETS = Map.of(
      "page.js", new String[] {"test-page/page.js", "text/javascript; charset=utf-8"},
      "page.css", new String[] {"test-page/page.css", "text/css; charset=utf-8"},
      "sp.js", new String[] {TRACKER + "dist/index.umd.min.js", "text/javascript; charset=utf-8"},
      "sp-LICENSE.txt", new String[] {TRACKER + "LICENSE", "text/plain; charset=utf-8"});
  /** Scripts and styles from this collector only; the tracker sends to it. */
  private static final String POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
      + "base-uri 'none'; frame-ancestors 'none'";

  private final RecentEnvelopes recent;
  private final boolean anyClient;
  private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();

  TestPageEndpoint(RecentEnvelopes recent, boolean anyClient) {
    this.recent = recent;
    this.anyClient = anyClient;
  }

  /** Whether the build bundled the tracker into the class path. */
  static boolean trackerBundled() {
    return TestPageEndpoint.class.getClassLoader().getResource(TRACKER + "dist/index.umd.min.js") != null;
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.get("/"), Route.get("/test-page/assets/{file}"), Route.get("/test-page/envelopes"));
  }

  @Override
  public HttpResponse handle(HttpRequest request, RequestContext context) {
    if (!anyClient && !isLoopback(context.clientIp())) {
      return notFound("no route for this path");
    }
    switch (context.route().template()) {
      case "/":
        return file("test-page/index.html", "text/html; charset=utf-8")
            .withHeader("Content-Security-Policy", POLICY);
      case "/test-page/envelopes":
        long after = 0;
        String raw = request.queryParameter("after");
        if (raw != null) {
          try {
            after = Long.parseLong(raw);
          } catch (NumberFormatException e) {
            return Rejection.badRequest("bad_parameter", "after must be a whole number", "after").toResponse();
          }
        }
        return HttpResponse.json(200, recent.since(after));
      default:
        String[] asset = ASSETS.get(context.pathParameter("file", ""));
        if (asset == null) {
          return notFound("no such file");
        }
        if (asset[0].startsWith(TRACKER) && !trackerBundled()) {
          return new Rejection(404, "tracker_not_bundled", "this build has no Snowplow tracker: run "
              + "eventkit-examples/src/main/tracker/install.sh (needs npm), then build again", null).toResponse();
        }
        return file(asset[0], asset[1]);
    }
  }

  private HttpResponse file(String resource, String type) {
    Optional<byte[]> body = files.computeIfAbsent(resource, TestPageEndpoint::read);
    return body.map(b -> HttpResponse.of(200, type, b)).orElseGet(() -> notFound("no such file"));
  }

  private static Optional<byte[]> read(String resource) {
    try (InputStream in = TestPageEndpoint.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HttpResponse notFound(String message) {
    return new Rejection(404, "not_found", message, null).toResponse();
  }

  /** Whether an address literal (IPv4 dotted or IPv6, which never cause a name lookup) is a loopback address. */
  static boolean isLoopback(String ip) {
    if (ip == null || !IP_LITERAL.matcher(ip).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
