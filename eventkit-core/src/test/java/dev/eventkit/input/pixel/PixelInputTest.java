package dev.eventkit.input.pixel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.input.TestCollector;
import dev.eventkit.internal.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PixelInputTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";
  private TestCollector server;

  @BeforeEach
  void start() throws Exception {
    server = new TestCollector(PixelInput.builder().pixel("order", CHECKOUT).allowRedirectHost("shop.example")
        .allowRedirectHost("*.acme.example").build());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void queryParametersBecomeThePayloadAndTheAnswerIsATransparentGif() throws Exception {
    HttpResponse<byte[]> r = server.client.send(HttpRequest.newBuilder(server.uri(
        "/pixel/open?campaign=spring&tag=a&tag=b&who=caf%C3%A9")).header("Referer", "https://mail.example/")
        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("image/gif");
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
    assertThat(new String(r.body(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
    Envelope e = server.flushValid().get(0);
    assertThat(e.protocol()).isEqualTo("pixel");
    assertThat(e.payload()).isEqualTo(Json.read("{\"campaign\":\"spring\",\"tag\":[\"a\",\"b\"],\"who\":\"café\"}"));
    assertThat(e.attributes()).containsEntry("pixel", "open").containsEntry("referer", "https://mail.example/");
    assertThat(e.validation()).isEqualTo(Validation.notValidated());
  }

  @Test
  void aBase64JsonParameterIsDecodedMergedAndValidated() throws Exception {
    String json = "{\"orderId\":\"o-9\",\"total\":4.5}";
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    assertThat(server.get("/pixel/order?data=" + urlSafe).statusCode()).isEqualTo(200);
    String standard = URLEncoder.encode(Base64.getEncoder().encodeToString(
        "{\"orderId\":\"o\"}".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    assertThat(server.get("/pixel/order?data=" + standard + "&total=oops").statusCode()).isEqualTo(200);
    Envelope ok = server.flushValid().get(0);
    assertThat(ok.payload()).isEqualTo(Json.read(json));
    assertThat(ok.validation()).isEqualTo(Validation.valid());
    Envelope bad = server.flushInvalid().get(0);
    assertThat(bad.validation().error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(bad.validation().violations()).extracting(v -> v.pointer()).contains("/payload/total");

    assertThat(server.get("/pixel/order?data=!!not-base64!!").statusCode()).isEqualTo(400);
    String dup = Base64.getUrlEncoder().encodeToString("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> conflict = server.get("/pixel/x?data=" + dup + "&a=2");
    assertThat(conflict.statusCode()).isEqualTo(400);
    assertThat(Json.read(conflict.body()).path("error").path("code").asText()).isEqualTo("duplicate_field");
  }

  @Test
  void redirectsGoOnlyToAllowListedHosts() throws Exception {
    HttpResponse<String> r = server.get("/pixel/click?redirect="
        + URLEncoder.encode("https://shop.example/sale?x=1", StandardCharsets.UTF_8) + "&c=1");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("Location")).hasValue("https://shop.example/sale?x=1");
    assertThat(server.get("/pixel/click?redirect=https://www.acme.example/").statusCode()).isEqualTo(302);
    Envelope e = server.flushValid().get(0);
    assertThat(e.attributes()).containsEntry("redirect", "https://shop.example/sale?x=1");
    assertThat(e.payload()).isEqualTo(Json.read("{\"c\":\"1\"}"));

    for (String target : new String[] {"https://evil.example/", "https://shop.example.evil.example/",
        "https://evilacme.example/", "javascript:alert(1)", "//shop.example/", "https://user@shop.example/",
        "ftp://shop.example/"}) {
      HttpResponse<String> refused = server.get("/pixel/click?redirect="
          + URLEncoder.encode(target, StandardCharsets.UTF_8));
      assertThat(refused.statusCode()).as(target).isEqualTo(400);
      assertThat(refused.headers().firstValue("Location")).as(target).isEmpty();
    }
    assertThat(server.flushValid()).hasSize(2);
    assertThatThrownBy(() -> PixelInput.builder().allowRedirectHost("*").build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
