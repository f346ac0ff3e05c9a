package dev.eventkit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.http.Endpoint;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The example collector's OpenAPI 3.1 document at {@code GET /openapi.json} and Swagger UI (from its webjar) at
 * {@code GET /docs}. The document is {@code openapi/collector.json} on the class path, written for every route the
 * collector can serve; paths marked {@code x-eventkit-feature} are left out while that feature is off, paths marked
 * {@code x-eventkit-input} while that input is disabled, and the Segment collect and metrics paths follow the
 * configuration, so the document lists exactly the routes served ({@code OpenApiDocumentTest} holds it to that).
 *
 * <p>Thread-safe; files are read from the class path once and kept. Failure modes: a missing document or webjar
 * fails {@link #create} with {@link IllegalStateException}; an unknown file under {@code /docs/} is a JSON 404.
 */
final class ApiDocsEndpoint implements Endpoint {

  static final String DOCUMENT = "openapi/collector.json";
  private static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
  /** Swagger UI's files this page uses, by the name it is served under. */
  private static final Map<String, String> UI_FILES = Map.of(
      "swagger-ui.css", "text/css; charset=utf-8",
      "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
      "index.css", "text/css; charset=utf-8",
      "favicon-16x16.png", "image/png",
      "favicon-32x32.png", "image/png");
  private static final String INITIALIZER = "window.onload = function () {\n"
      + "  window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,\n"
      + "    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'});\n"
      + "};\n";
  private static final String PAGE = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n"
      + "<title>eventkit collector API</title>\n"
      + "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n<link rel=\"stylesheet\" href=\"/docs/index.css\">\n"
      + "<link rel=\"icon\" type=\"image/png\" href=\"/docs/favicon-32x32.png\" sizes=\"32x32\">\n</head>\n<body>\n"
      + "<div id=\"swagger-ui\"></div>\n<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
      + "<script src=\"/docs/swagger-initializer.js\"></script>\n</body>\n</html>\n";

  private final byte[] document;
  private final String webjarRoot;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  private ApiDocsEndpoint(byte[] document, String webjarRoot) {
    this.document = document;
    this.webjarRoot = webjarRoot;
  }

  /**
   * The document for {@code config} (see {@link #document}); {@code api-docs} itself is on, the metrics route when
   * {@code metricsServed}.
   */
  static ApiDocsEndpoint create(CollectorConfig config, boolean metricsServed) {
    ObjectMapper mapper = new ObjectMapper();
    byte[] document;
    try {
      document = mapper.writeValueAsBytes(document(mapper, config, metricsServed));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Properties webjar = new Properties();
    try (InputStream in = resource(WEBJAR_PROPERTIES)) {
      webjar.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ApiDocsEndpoint(document,
        "META-INF/resources/webjars/swagger-ui/" + webjar.getProperty("version") + "/");
  }

  /**
   * The document as served with {@code config}: paths of features that are off and of disabled inputs removed, the
   * Segment collect and metrics paths as configured; the metrics route only when {@code metricsServed}.
   */
  static ObjectNode document(ObjectMapper mapper, CollectorConfig config, boolean metricsServed) throws IOException {
    ToolsConfig tools = config.tools();
    ObjectNode doc;
    try (InputStream in = resource(DOCUMENT)) {
      doc = (ObjectNode) mapper.readTree(in);
    }
    Set<String> off = new HashSet<>();
    if (tools.testPage() == ToolsConfig.TestPage.OFF) {
      off.add("test-page");
    }
    if (!tools.apiDocs()) {
      off.add("api-docs");
    }
    if (!tools.debugEcho()) {
      off.add("debug-echo");
    }
    if (!metricsServed || config.metricsPath() == null) {
      off.add("metrics");
    }
    ObjectNode paths = (ObjectNode) doc.path("paths");
    ObjectNode served = mapper.createObjectNode();
    for (Map.Entry<String, JsonNode> path : paths.properties()) {
      JsonNode item = path.getValue();
      String input = item.path("x-eventkit-input").asText("");
      if (off.contains(item.path("x-eventkit-feature").asText()) || !input.isEmpty()
          && !config.inputs().contains(input)) {
        continue;
      }
      served.set(configuredPath(path.getKey(), config), item);
    }
    doc.set("paths", served);
    return doc;
  }

  /** A documented path as the configuration serves it: the Segment collect and metrics paths may be moved. */
  private static String configuredPath(String documented, CollectorConfig config) {
    if (documented.equals("/metrics")) {
      return config.metricsPath();
    }
    for (String prefix : new String[] {"", ToolsConfig.ECHO_PREFIX}) {
      if (documented.equals(prefix + "/collect") || documented.startsWith(prefix + "/collect/")) {
        return prefix + config.segmentCollectPath() + documented.substring(prefix.length() + "/collect".length());
      }
    }
    return documented;
  }

  private static InputStream resource(String name) {
    InputStream in = ApiDocsEndpoint.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("missing from the class path: " + name);
    }
    return in;
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.get("/openapi.json"), Route.get("/docs"), Route.get("/docs/{file}"));
  }

  @Override
  public HttpResponse handle(HttpRequest request, RequestContext context) {
    switch (context.route().template()) {
      case "/openapi.json":
        return HttpResponse.of(200, "application/json", document);
      case "/docs":
        return HttpResponse.of(200, "text/html; charset=utf-8", PAGE.getBytes(StandardCharsets.UTF_8));
      default:
        String file = context.pathParameter("file", "");
        if (file.equals("swagger-initializer.js")) {
          return HttpResponse.of(200, "text/javascript; charset=utf-8", INITIALIZER.getBytes(StandardCharsets.UTF_8));
        }
        String type = UI_FILES.get(file);
        if (type == null) {
          return new Rejection(404, "not_found", "no such file", null).toResponse();
        }
        return HttpResponse.of(200, type, files.computeIfAbsent(file, this::read))
            .withHeader("Cache-Control", "public, max-age=86400");
    }
  }

  private byte[] read(String file) {
    try (InputStream in = resource(webjarRoot + file)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
