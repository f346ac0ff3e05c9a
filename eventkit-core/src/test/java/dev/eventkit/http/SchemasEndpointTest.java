package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.input.TestCollector;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.HttpSchemaSource;
import dev.eventkit.schema.IgluTestServer;
import dev.eventkit.schema.SchemaRegistry;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** GET /schemas and GET /schemas/{uri} over real HTTP. */
class SchemasEndpointTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";

  @Test
  void listsWhatTheRegistryHoldsAndServesOneSchemaByRawOrEncodedUri() throws Exception {
    SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build();
    try (TestCollector server = new TestCollector(registry, SchemasEndpoint.create(registry))) {
      HttpResponse<String> raw = server.get("/schemas/" + CHECKOUT);
      assertThat(raw.statusCode()).isEqualTo(200);
      JsonNode one = Json.read(raw.body());
      assertThat(one.path("uri").asText()).isEqualTo(CHECKOUT);
      assertThat(one.path("source").asText()).isEqualTo("classpath:schemas");
      assertThat(one.path("state").asText()).isEqualTo("cached");
      assertThat(one.path("dialect").asText()).isEqualTo("draft_04");
      assertThat(one.path("schema").path("self").path("name").asText()).isEqualTo("checkout");

      HttpResponse<String> encoded = server.get("/schemas/" + URLEncoder.encode(CHECKOUT, StandardCharsets.UTF_8));
      assertThat(encoded.statusCode()).isEqualTo(200);
      assertThat(Json.read(encoded.body()).path("uri").asText()).isEqualTo(CHECKOUT);
      assertThat(server.get("/schemas/com.acme/web/signup.v1.json").statusCode()).isEqualTo(200);

      HttpResponse<String> broken = server.get("/schemas/iglu:com.acme/broken/jsonschema/1-0-0");
      assertThat(broken.statusCode()).isEqualTo(200);
      assertThat(Json.read(broken.body()).path("state").asText()).isEqualTo("invalid");
      assertThat(Json.read(broken.body()).path("problem").asText()).isNotBlank();

      HttpResponse<String> list = server.get("/schemas");
      assertThat(list.statusCode()).isEqualTo(200);
      JsonNode body = Json.read(list.body());
      assertThat(body.path("schemas")).anySatisfy(s -> {
        assertThat(s.path("uri").asText()).isEqualTo(CHECKOUT);
        assertThat(s.path("state").asText()).isEqualTo("cached");
      });
      assertThat(body.path("schemas")).anySatisfy(s -> {
        assertThat(s.path("uri").asText()).isEqualTo("iglu:com.acme/cart/jsonschema/1-0-0");
        assertThat(s.path("state").asText()).isEqualTo("available");
      });
      assertThat(body.path("registry").path("status").asText()).isEqualTo("ok");

      HttpResponse<String> malformed = server.get("/schemas/not%20a%20uri");
      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(Json.read(malformed.body()).path("error").path("message").asText())
          .contains("malformed schema URI").doesNotContain("not a uri");
      assertThat(server.get("/schemas/iglu:com.acme/nope/jsonschema/1-0-0").statusCode()).isEqualTo(404);
      assertThat(server.post("/schemas", "application/json", "{}").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void aSchemaThatCannotBeFetchedIs503WithRetryAfter() throws Exception {
    IgluTestServer iglu = new IgluTestServer();
    String base = iglu.baseUrl();
    iglu.close();
    SchemaRegistry registry = SchemaRegistry.builder().source(HttpSchemaSource.of(base)).build();
    try (TestCollector server = new TestCollector(registry, SchemasEndpoint.create(registry))) {
      HttpResponse<String> r = server.get("/schemas/" + CHECKOUT);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(Json.read(r.body()).path("error").path("code").asText()).isEqualTo("schema_unavailable");
      assertThat(Json.read(server.get("/schemas").body()).path("registry").path("status").asText())
          .isEqualTo("degraded");
    }
  }
}
