package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Route;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.sink.InMemorySink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document served at {@code /openapi.json} lists exactly the routes the example collector serves — every
 * method of every path, whichever tools are on — and is valid OpenAPI 3.1 by swagger-parser.
 */
class OpenApiDocumentTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, String> ALL_ON = Map.of("EVENTKIT_TEST_PAGE", "on", "EVENTKIT_API_DOCS", "on",
      "EVENTKIT_DEBUG_ECHO", "on");
  private static final Map<String, String> ALL_OFF = Map.of("EVENTKIT_TEST_PAGE", "off", "EVENTKIT_API_DOCS", "off",
      "EVENTKIT_DEBUG_ECHO", "off");

  @TempDir
  Path data;

  private final Pipeline pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
      .sink(new InMemorySink("events")).build().start();

  @AfterEach
  void close() {
    pipeline.close();
  }

  private CollectorConfig config(Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(settings);
    env.put("EVENTKIT_DATA_DIR", data.toString());
    return CollectorConfig.fromEnvironment(env);
  }

  private Collector collector(Map<String, String> settings) {
    CollectorConfig config = config(settings);
    SchemaRegistry registry = CollectorServer.registry(config);
    return CollectorServer.collector(config, pipeline, registry, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        config.tools(), CollectorServer.recentEnvelopes(config.tools()));
  }

  private static HttpResponse get(Collector c, String path) {
    return c.handle(HttpRequest.builder("GET", path).remoteAddress("127.0.0.1").build()).join();
  }

  /** {@code METHOD /template} of every route the collector serves. */
  private static Set<String> served(Collector c) {
    Set<String> out = new TreeSet<>();
    for (Route r : c.routes()) {
      out.add(r.method() + " " + r.template());
    }
    return out;
  }

  /** {@code METHOD /path} of every operation of the document. */
  private static Set<String> documented(JsonNode doc) {
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
      for (String method : new String[] {"get", "put", "post", "delete", "options", "head", "patch", "trace"}) {
        if (path.getValue().has(method)) {
          out.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    return out;
  }

  @Test
  void documentsEveryServedRouteAndNothingElseWithEveryToolOn() throws Exception {
    Collector c = collector(ALL_ON);
    HttpResponse r = get(c, "/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonNode doc = MAPPER.readTree(r.body());
    assertThat(documented(doc)).as("documented routes (left) against served routes")
        .isEqualTo(served(c));
    assertThat(served(c)).contains("GET /", "GET /openapi.json", "GET /docs", "POST /debug/echo/collect",
        "GET /debug/echo/i", "POST /debug/echo/com.snowplowanalytics.snowplow/tp2", "GET /test-page/envelopes");
  }

  @Test
  void documentsOnlyWhatIsServedWithEveryToolOff() throws Exception {
    Collector c = collector(ALL_OFF);
    assertThat(get(c, "/openapi.json").status()).isEqualTo(404);
    assertThat(get(c, "/").status()).isEqualTo(404);
    ObjectNode doc = ApiDocsEndpoint.document(MAPPER, config(ALL_OFF), true);
    assertThat(documented(doc)).isEqualTo(served(c));
    assertThat(served(c)).noneMatch(s -> s.contains("/debug/") || s.contains("/docs") || s.equals("GET /"));
  }

  @Test
  void followsTheConfiguredInputsCollectPathAndMetricsPath() throws Exception {
    Map<String, String> settings = new HashMap<>(ALL_ON);
    settings.put("EVENTKIT_INPUTS_CLOUDEVENTS_ENABLED", "false");
    settings.put("EVENTKIT_INPUTS_SEGMENT_COLLECT_PATH", "/track/events");
    settings.put("EVENTKIT_METRICS_PATH", "/internal/prometheus");
    Collector c = collector(settings);
    JsonNode doc = MAPPER.readTree(get(c, "/openapi.json").body());
    assertThat(documented(doc)).isEqualTo(served(c));
    assertThat(served(c)).contains("POST /track/events/{stream}", "POST /debug/echo/track/events",
        "GET /internal/prometheus").noneMatch(s -> s.contains("cloudevents") || s.contains("/collect"));
  }

  @Test
  void aRouteMissingFromTheDocumentIsNoticed() throws Exception {
    Collector c = collector(ALL_ON);
    ObjectNode doc = ApiDocsEndpoint.document(MAPPER, config(ALL_ON), true);
    ((ObjectNode) doc.path("paths")).remove("/sd/{stream}");
    ((ObjectNode) doc.path("paths").path("/com.snowplowanalytics.snowplow/tp2")).remove("post");
    Set<String> missing = new TreeSet<>(served(c));
    missing.removeAll(documented(doc));
    assertThat(missing).containsExactly("POST /com.snowplowanalytics.snowplow/tp2", "POST /sd/{stream}");
  }

  @Test
  void isValidOpenApi31() throws Exception {
    String json = new String(get(collector(ALL_ON), "/openapi.json").body(), StandardCharsets.UTF_8);
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
    assertThat(result.getMessages()).as("swagger-parser's messages").isEmpty();
    assertThat(result.getOpenAPI()).isNotNull();
    assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
    assertThat(result.getOpenAPI().getPaths()).hasSize(documented(MAPPER.readTree(json)).stream()
        .map(s -> s.substring(s.indexOf(' ') + 1)).distinct().toList().size());
    // The validation can fail: the same document without the error body's schema, or with an operation that has no
    // responses, draws messages.
    ObjectNode broken = (ObjectNode) MAPPER.readTree(json);
    ((ObjectNode) broken.at("/components/schemas")).remove("Error");
    ((ObjectNode) broken.at("/paths/~1health/get")).remove("responses");
    SwaggerParseResult brokenResult = new OpenAPIV3Parser().readContents(MAPPER.writeValueAsString(broken), null,
        options);
    assertThat(brokenResult.getMessages()).isNotEmpty();
    // Every error answer names the JSON error body's schema.
    JsonNode responses = MAPPER.readTree(json).at("/components/responses");
    for (String error : new String[] {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "MethodNotAllowed",
        "PayloadTooLarge", "UnsupportedMediaType", "TooManyRequests", "Unavailable"}) {
      assertThat(responses.at("/" + error + "/content/application~1json/schema/$ref").asText())
          .as(error).isEqualTo("#/components/schemas/Error");
    }
  }

  @Test
  void servesSwaggerUiFromItsWebjar() {
    Collector c = collector(ALL_ON);
    HttpResponse page = get(c, "/docs");
    assertThat(page.status()).isEqualTo(200);
    assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("/docs/swagger-ui-bundle.js");
    HttpResponse bundle = get(c, "/docs/swagger-ui-bundle.js");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.header("Content-Type")).startsWith("text/javascript");
    assertThat(bundle.body().length).isGreaterThan(100_000);
    assertThat(new String(get(c, "/docs/swagger-initializer.js").body(), StandardCharsets.UTF_8))
        .contains("/openapi.json");
    assertThat(get(c, "/docs/../pom.xml").status()).isEqualTo(404);
    assertThat(get(c, "/docs/pom.properties").status()).isEqualTo(404);
  }
}
