package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example collector's echo routes ({@code EVENTKIT_DEBUG_ECHO=on}) on its Netty host, as a tracker developer
 * uses them: Snowplow's GET pixel and tp2 POST answered with the envelopes they would produce — validated, contexts
 * read — while nothing reaches the log or the sinks; off by default.
 */
class DebugEchoTest {

  private static final String BUTTON = "iglu:dev.eventkit.example/button_click/jsonschema/1-0-0";

  @TempDir
  Path data;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private CollectorServer start(Map<String, String> env) throws Exception {
    Map<String, String> all = new LinkedHashMap<>(env);
    all.put("EVENTKIT_DATA_DIR", data.toString());
    all.put("EVENTKIT_PORT", "0");
    all.put("EVENTKIT_HOST", "127.0.0.1");
    return CollectorServer.start(CollectorConfig.fromEnvironment(all), ToolsConfig.fromEnvironment(all));
  }

  private HttpResponse<String> send(CollectorServer server, HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(CollectorServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static String query(Map<String, String> params) {
    StringJoiner q = new StringJoiner("&");
    params.forEach((k, v) -> q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return q.toString();
  }

  private static String selfDescribing(String schema, String data) {
    return "{\"schema\":\"" + schema + "\",\"data\":" + data + "}";
  }

  @Test
  void echoesTheSnowplowPixelAndTp2WithoutStoring() throws Exception {
    try (CollectorServer server = start(Map.of("EVENTKIT_DEBUG_ECHO", "on"))) {
      Map<String, String> pageView = new LinkedHashMap<>();
      pageView.put("e", "pv");
      pageView.put("p", "web");
      pageView.put("tv", "js-4.10.1");
      pageView.put("aid", "shop");
      pageView.put("eid", "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");
      pageView.put("url", "https://shop.example/pricing");
      pageView.put("page", "Pricing");
      HttpResponse<String> pixel = send(server, HttpRequest.newBuilder(uri(server, "/debug/echo/i?"
          + query(pageView))).GET());
      assertThat(pixel.statusCode()).isEqualTo(200);
      assertThat(pixel.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
          .startsWith("application/json"));
      JsonNode echo = Json.read(pixel.body());
      assertThat(echo.path("stored").asBoolean(true)).isFalse();
      assertThat(echo.path("wouldAnswer").asInt()).isEqualTo(200);
      JsonNode pv = echo.path("envelopes").get(0);
      assertThat(pv.path("protocol").asText()).isEqualTo("snowplow");
      assertThat(pv.path("schema").asText()).isEqualTo(
          "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0");
      assertThat(pv.at("/payload/page_url").asText()).isEqualTo("https://shop.example/pricing");
      assertThat(pv.at("/validation/status").asText()).isEqualTo("valid");

      String contexts = selfDescribing("iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
          "[" + selfDescribing("iglu:dev.eventkit.example/test_page/jsonschema/1-0-0", "{\"clicks\":1}") + "]");
      String unstruct = selfDescribing("iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
          selfDescribing(BUTTON, "{\"button\":\"buy\"}"));
      String invalid = selfDescribing("iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
          selfDescribing(BUTTON, "{\"button\":7}"));
      String body = selfDescribing("iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "["
          + Json.object().put("e", "se").put("p", "web").put("tv", "js-4.10.1").put("se_ca", "shop")
              .put("se_ac", "add").put("eid", "2f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
          + "," + Json.object().put("e", "ue").put("p", "web").put("tv", "js-4.10.1").put("ue_pr", unstruct)
              .put("co", contexts).put("eid", "3f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
          + "," + Json.object().put("e", "ue").put("p", "web").put("tv", "js-4.10.1").put("ue_pr", invalid)
              .put("eid", "4f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
          + "]");
      HttpResponse<String> tp2 = send(server, HttpRequest.newBuilder(uri(server,
          "/debug/echo/com.snowplowanalytics.snowplow/tp2")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(tp2.statusCode()).as(tp2.body()).isEqualTo(200);
      JsonNode batch = Json.read(tp2.body());
      assertThat(batch.path("count").asInt()).isEqualTo(3);
      assertThat(batch.path("envelopes").get(0).path("schema").asText())
          .isEqualTo("iglu:com.google.analytics/event/jsonschema/1-0-0");
      JsonNode click = batch.path("envelopes").get(1);
      assertThat(click.path("schema").asText()).isEqualTo(BUTTON);
      assertThat(click.at("/payload/button").asText()).isEqualTo("buy");
      assertThat(click.at("/contexts/0/schema").asText()).isEqualTo(
          "iglu:dev.eventkit.example/test_page/jsonschema/1-0-0");
      assertThat(click.at("/validation/status").asText()).isEqualTo("valid");
      JsonNode bad = batch.path("envelopes").get(2);
      assertThat(bad.at("/validation/status").asText()).isEqualTo("invalid");
      assertThat(bad.at("/validation/error").asText()).isEqualTo("payload_invalid");

      // Over the body limit: refused as on the input's own route.
      HttpResponse<String> big = send(server, HttpRequest.newBuilder(uri(server,
          "/debug/echo/com.snowplowanalytics.snowplow/tp2")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1024 * 1024 + 10))));
      assertThat(big.statusCode()).isEqualTo(413);

      server.pipeline().forceFlush().get(10, TimeUnit.SECONDS);
      assertThat(server.pipeline().status().log().lastSequence()).isZero();
      assertThat(Files.exists(data.resolve("events")) ? NdjsonOutput.read(data.resolve("events")) : List.of())
          .isEmpty();
      assertThat(Files.exists(data.resolve("invalid")) ? NdjsonOutput.read(data.resolve("invalid")) : java.util.List
          .of())
          .isEmpty();

      // The same pixel on its own route is stored.
      assertThat(send(server, HttpRequest.newBuilder(uri(server, "/i?" + query(pageView))).GET()).statusCode())
          .isEqualTo(200);
      server.pipeline().forceFlush().get(10, TimeUnit.SECONDS);
      assertThat(NdjsonOutput.read(data.resolve("events"))).hasSize(1);
    }
  }

  @Test
  void offByDefault() throws Exception {
    try (CollectorServer server = start(Map.of())) {
      assertThat(send(server, HttpRequest.newBuilder(uri(server, "/debug/echo/i?e=pv&p=web")).GET()).statusCode())
          .isEqualTo(404);
    }
  }
}
