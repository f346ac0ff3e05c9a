package dev.eventkit.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.http.SchemasEndpoint;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.DirectorySchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker saw of a collector on its defaults, over real HTTP: origins reflected with credentials
 * ({@code null} included), markup stored as the client address, requests echoed in errors, answers without
 * {@code nosniff}, server paths in {@code /schemas}, Segment's body write key stored with the event. Each is
 * closed on the defaults, without configuring any protection.
 */
class PublicExposureTest {

  @TempDir
  Path dir;

  @Test
  void originNullIsNeverAllowedByDefault() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> {})) {
      HttpResponse<String> preflight = s.send("OPTIONS", "/collect", null, "Origin", "null",
          "Access-Control-Request-Method", "POST");
      assertThat(preflight.statusCode()).isEqualTo(403);
      assertThat(Json.read(preflight.body()).at("/error/code").asText()).isEqualTo("origin_not_allowed");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

      HttpResponse<String> post = s.post("/collect", SecuredServer.TRACK, "Origin", "null");
      assertThat(post.statusCode()).isEqualTo(403);
      assertThat(post.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(s.appended()).isZero();

      HttpResponse<String> page = s.post("/collect", SecuredServer.TRACK, "Origin", "https://shop.example");
      assertThat(page.statusCode()).isEqualTo(202);
      assertThat(page.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    }
  }

  @SuppressWarnings("deprecation")
  @Test
  void aForwardedHeaderThatIsNoAddressIsNeverStored() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> b.trustForwardedHeaders(true))) {
      assertThat(s.post("/collect", SecuredServer.TRACK, "X-Forwarded-For", "<script>alert(1)</script>")
          .statusCode()).isEqualTo(202);
      assertThat(s.post("/collect", SecuredServer.TRACK, "X-Forwarded-For", "evil.example, 127.0.0.1")
          .statusCode()).isEqualTo(202);
      List<Envelope> stored = s.stored();
      assertThat(stored).extracting(Envelope::clientIp).containsExactly("127.0.0.1", "127.0.0.1");
    }
  }

  @Test
  void errorAnswersNeverRepeatTheRequest() throws Exception {
    SchemaRegistry registry = SchemaRegistry.builder().source(DirectorySchemaSource.of(dir)).build();
    try (SecuredServer s = new SecuredServer(b -> b.endpoint(SchemasEndpoint.create(registry)))) {
      String marker = "zq<script>alert(1)</script>";
      String encoded = "zq%3Cscript%3Ealert(1)%3C%2Fscript%3E";
      List<HttpResponse<String>> answers = List.of(
          s.get("/" + encoded),
          s.get("/schemas/" + encoded),
          s.get("/schemas/iglu:com.zq/" + encoded + "/jsonschema/1-0-0"),
          s.send("POST", "/collect", SecuredServer.TRACK, "Content-Type", "text/" + "zq-script"),
          s.post("/collect", "{\"type\":\"" + marker + "\"}"),
          s.post("/collect", "{\"schema\":\"" + marker + "\",\"data\":{}}"),
          s.post("/collect", "{\"type\":\"track\",\"event\":" + "\"" + marker),
          s.get("/pixel/p?" + encoded + "=1&data=" + java.util.Base64.getUrlEncoder().encodeToString(
              ("{\"" + marker.replace("\"", "") + "\":2}").getBytes(java.nio.charset.StandardCharsets.UTF_8))));
      assertThat(answers).extracting(HttpResponse::statusCode)
          .containsExactly(404, 400, 400, 415, 400, 400, 400, 400);
      assertThat(answers).allSatisfy(r -> assertThat(r.body()).doesNotContainIgnoringCase("zq"));
    }
  }

  @Test
  void everyAnswerSaysNosniffNoStoreAndItsRequestId() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> {})) {
      List<HttpResponse<String>> answers = List.of(
          s.post("/collect", SecuredServer.TRACK),
          s.get("/nowhere"),
          s.get("/collect"),
          s.send("OPTIONS", "/collect", null),
          s.get("/health"),
          s.get("/pixel/open?e=1"));
      assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(202, 404, 405, 204, 200, 200);
      assertThat(answers).allSatisfy(r -> {
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store");
        assertThat(r.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f]{32}");
      });
      assertThat(s.get("/health", "X-Request-Id", "lb-check.42").headers().firstValue("X-Request-Id"))
          .hasValue("lb-check.42");
      assertThat(s.get("/health", "X-Request-Id", "<b>x</b>").headers().firstValue("X-Request-Id").orElseThrow())
          .matches("[0-9a-f]{32}");
    }
  }

  @Test
  void schemaListingsNameSourcesWithoutServerPaths() throws Exception {
    Path schemas = Files.createDirectories(dir.resolve("team-schemas/com.acme/cart/jsonschema"));
    Files.writeString(schemas.resolve("1-0-0"), "{\"type\":\"object\"}");
    SchemaRegistry registry = SchemaRegistry.builder()
        .source(DirectorySchemaSource.of(dir.resolve("team-schemas"))).build();
    try (SecuredServer s = new SecuredServer(b -> b.endpoint(SchemasEndpoint.create(registry)))) {
      HttpResponse<String> listing = s.get("/schemas");
      HttpResponse<String> one = s.get("/schemas/iglu:com.acme/cart/jsonschema/1-0-0");
      assertThat(listing.statusCode()).isEqualTo(200);
      assertThat(one.statusCode()).isEqualTo(200);
      assertThat(Json.read(one.body()).path("source").asText()).isEqualTo("dir:team-schemas");
      for (HttpResponse<String> r : List.of(listing, one)) {
        assertThat(r.body()).doesNotContain(dir.toString()).doesNotContain(dir.toAbsolutePath().toString());
      }
    }
  }

  @Test
  void segmentsBodyWriteKeyIsNeverStored() throws Exception {
    try (SecuredServer s = new SecuredServer(b -> {})) {
      assertThat(s.post("/v1/track", "{\"writeKey\":\"wk-browser-secret\",\"event\":\"Viewed\",\"userId\":\"u1\"}")
          .statusCode()).isEqualTo(200);
      assertThat(s.post("/v1/batch", "{\"writeKey\":\"wk-browser-secret\",\"batch\":[{\"type\":\"track\","
          + "\"event\":\"Viewed\",\"userId\":\"u2\",\"writeKey\":\"wk-browser-secret\"}]}").statusCode())
          .isEqualTo(200);
      List<Envelope> stored = s.stored();
      assertThat(stored).hasSize(2);
      assertThat(stored).allSatisfy(e -> {
        assertThat(e.payload().has("writeKey")).isFalse();
        assertThat(SecuredServer.encoded(e)).doesNotContain("wk-browser-secret");
      });
    }
  }
}
