package dev.eventkit.input.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.input.TestCollector;
import dev.eventkit.internal.json.Json;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CloudEvents input against requests written by the CloudEvents Java SDK (http-basic message writer,
 * json-jackson event format), sent over real HTTP to the collector on the JDK server.
 */
class CloudEventsInputTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";
  private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection");

  private TestCollector server;

  @BeforeEach
  void start() throws Exception {
    server = new TestCollector(CloudEventsInput.create());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static CloudEvent checkout(String id, String source, String data) {
    return CloudEventBuilder.v1()
        .withId(id)
        .withSource(URI.create(source))
        .withType("com.acme.checkout.completed")
        .withSubject("order/" + id)
        .withTime(OffsetDateTime.parse("2026-03-01T10:15:30Z"))
        .withDataSchema(URI.create(CHECKOUT))
        .withDataContentType("application/json")
        .withExtension("tenant", "t-42")
        .withData(data.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** Writes an event with the SDK's HTTP writer and sends what it wrote. */
  private HttpResponse<String> sendWithSdk(CloudEvent event, boolean structured, String path) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    var writer = HttpMessageFactory.createWriter(headers::put, b -> body.writeBytes(b));
    if (structured) {
      writer.writeStructured(event, JsonFormat.CONTENT_TYPE);
    } else {
      writer.writeBinary(event);
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(server.uri(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    headers.forEach((k, v) -> {
      if (!RESTRICTED.contains(k.toLowerCase())) {
        req.header(k, v);
      }
    });
    return server.send(req.build());
  }

  private static void assertCarriesAttributes(Envelope e, CloudEvent sent) {
    assertThat(e.protocol()).isEqualTo("cloudevents");
    assertThat(e.schema()).isEqualTo(CHECKOUT);
    assertThat(e.attributes()).containsEntry("specversion", "1.0")
        .containsEntry("id", sent.getId())
        .containsEntry("source", sent.getSource().toString())
        .containsEntry("type", "com.acme.checkout.completed")
        .containsEntry("subject", sent.getSubject())
        .containsEntry("dataschema", CHECKOUT)
        .containsEntry("tenant", "t-42");
    assertThat(OffsetDateTime.parse(e.attributes().get("time")).toInstant())
        .isEqualTo(sent.getTime().toInstant());
    assertThat(e.id()).isEqualTo(CloudEventsInput.envelopeId(sent.getSource().toString(), sent.getId()));
    assertThat(e.payload()).isEqualTo(Json.read(new String(sent.getData().toBytes(), StandardCharsets.UTF_8)));
  }

  @Test
  void structuredEventsFromTheSdkCarryTheirAttributes() throws Exception {
    CloudEvent sent = checkout("e-1", "https://shop.example/checkout", "{\"orderId\":\"o-1\",\"total\":9.5}");
    HttpResponse<String> r = sendWithSdk(sent, true, "/cloudevents");
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    Envelope e = server.flushValid().get(0);
    assertCarriesAttributes(e, sent);
    assertThat(e.validation()).isEqualTo(Validation.valid());
    assertThat(e.stream()).isEqualTo("default");
  }

  @Test
  void binaryEventsFromTheSdkCarryTheirAttributesAndRoundTrip() throws Exception {
    CloudEvent sent = checkout("e-2", "/mobile/app", "{\"orderId\":\"o-2\",\"total\":1}");
    HttpResponse<String> r = sendWithSdk(sent, false, "/cloudevents/shop");
    assertThat(r.statusCode()).isEqualTo(202);
    Envelope e = server.flushValid().get(0);
    assertCarriesAttributes(e, sent);
    assertThat(e.stream()).isEqualTo("shop");
    assertThat(e.attributes()).containsEntry("datacontenttype", "application/json");

    // The envelope holds enough to give the SDK back the very event that was sent.
    Map<String, String> headers = new HashMap<>();
    e.attributes().forEach((k, v) -> {
      if (!k.equals("datacontenttype")) {
        headers.put("ce-" + k, v);
      }
    });
    headers.put("content-type", e.attributes().get("datacontenttype"));
    MessageReader reader = HttpMessageFactory.createReader(headers, e.payloadJson().getBytes(StandardCharsets.UTF_8));
    CloudEvent back = reader.toEvent();
    assertThat(back.getId()).isEqualTo(sent.getId());
    assertThat(back.getSource()).isEqualTo(sent.getSource());
    assertThat(back.getType()).isEqualTo(sent.getType());
    assertThat(back.getSubject()).isEqualTo(sent.getSubject());
    assertThat(back.getDataSchema()).isEqualTo(sent.getDataSchema());
    assertThat(back.getTime().toInstant()).isEqualTo(sent.getTime().toInstant());
    assertThat(back.getExtension("tenant")).isEqualTo("t-42");
    assertThat(Json.read(new String(back.getData().toBytes(), StandardCharsets.UTF_8)))
        .isEqualTo(Json.read(new String(sent.getData().toBytes(), StandardCharsets.UTF_8)));
  }

  @Test
  void batchesSerialisedWithTheSdkFormatAreAcceptedPerEvent() throws Exception {
    JsonFormat format = new JsonFormat();
    CloudEvent a = checkout("same-id", "/source/a", "{\"orderId\":\"a\",\"total\":1}");
    CloudEvent b = checkout("same-id", "/source/b", "{\"orderId\":\"b\",\"total\":2}");
    CloudEvent bad = checkout("e-3", "/source/c", "{\"total\":\"free\"}");
    String batch = "[" + new String(format.serialize(a), StandardCharsets.UTF_8) + ","
        + new String(format.serialize(b), StandardCharsets.UTF_8) + ","
        + new String(format.serialize(bad), StandardCharsets.UTF_8) + ",{\"specversion\":\"1.0\"}]";
    HttpResponse<String> r = server.post("/cloudevents", CloudEventsInput.BATCH, batch);
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(Json.read(r.body()).path("status").asText()).isEqualTo("partial");
    assertThat(Json.read(r.body()).path("accepted").asInt()).isEqualTo(3);
    assertThat(Json.read(r.body()).path("rejected").get(0).path("index").asInt()).isEqualTo(3);

    List<Envelope> valid = server.flushValid();
    assertThat(valid).hasSize(2);
    assertCarriesAttributes(valid.stream().filter(e -> e.attributes().get("source").equals("/source/a"))
        .findFirst().orElseThrow(), a);
    // Equal ids from two sources are two events.
    assertThat(valid.get(0).id()).isNotEqualTo(valid.get(1).id());
    Envelope invalid = server.flushInvalid().get(0);
    assertThat(invalid.attributes()).containsEntry("id", "e-3");
    assertThat(invalid.validation().error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(invalid.validation().violations()).extracting(v -> v.pointer())
        .contains("/payload/orderId", "/payload/total");
  }

  @Test
  void anEmptyBatchIsAcceptedAndHoldsNothing() throws Exception {
    HttpResponse<String> r = server.post("/cloudevents", CloudEventsInput.BATCH, "[]");
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(Json.read(r.body()).path("accepted").asInt()).isZero();
  }

  @Test
  void anUnknownDataschemaIsAcceptedAndRoutedAsInvalid() throws Exception {
    CloudEvent sent = CloudEventBuilder.v1().withId("x").withSource(URI.create("/s")).withType("t")
        .withDataSchema(URI.create("iglu:com.acme/unpublished/jsonschema/1-0-0"))
        .withData("application/json", "{}".getBytes(StandardCharsets.UTF_8)).build();
    assertThat(sendWithSdk(sent, true, "/cloudevents").statusCode()).isEqualTo(202);
    Envelope e = server.flushInvalid().get(0);
    assertThat(e.validation().error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(e.validation().violations().get(0).pointer()).isEqualTo("/schema");
  }

  @Test
  void eventsWithoutDataschemaAreNotValidatedAndNonJsonDataIsKept() throws Exception {
    CloudEvent text = CloudEventBuilder.v1().withId("t1").withSource(URI.create("/s")).withType("t")
        .withData("text/plain", "héllo".getBytes(StandardCharsets.UTF_8)).build();
    CloudEvent bytes = CloudEventBuilder.v1().withId("b1").withSource(URI.create("/s")).withType("t")
        .withData("application/octet-stream", new byte[] {0, 1, (byte) 0xff}).build();
    CloudEvent none = CloudEventBuilder.v1().withId("n1").withSource(URI.create("/s")).withType("t").build();
    assertThat(sendWithSdk(text, false, "/cloudevents").statusCode()).isEqualTo(202);
    assertThat(sendWithSdk(bytes, false, "/cloudevents").statusCode()).isEqualTo(202);
    assertThat(sendWithSdk(bytes, true, "/cloudevents").statusCode()).isEqualTo(202);
    assertThat(sendWithSdk(none, true, "/cloudevents").statusCode()).isEqualTo(202);
    List<Envelope> got = server.flushValid();
    assertThat(got).hasSize(4).allMatch(e -> e.validation().status() == Validation.Status.NOT_VALIDATED);
    assertThat(got.get(0).payload().textValue()).isEqualTo("héllo");
    assertThat(got.get(1).payload().textValue()).isEqualTo("AAH/");
    assertThat(got.get(1).attributes()).containsEntry("dataEncoding", "base64");
    assertThat(got.get(2).payload().textValue()).isEqualTo("AAH/");
    assertThat(got.get(2).attributes()).containsEntry("dataEncoding", "base64");
    assertThat(got.get(3).payload().isNull()).isTrue();
  }

  @Test
  void badRequestsAreClear4xx() throws Exception {
    HttpResponse<String> wrongType = server.post("/cloudevents", "application/json", "{}");
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(Json.read(wrongType.body()).path("error").path("code").asText())
        .isEqualTo("unsupported_media_type");

    String noSource = "{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"t\"}";
    HttpResponse<String> missing = server.post("/cloudevents", CloudEventsInput.STRUCTURED, noSource);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(Json.read(missing.body()).path("error").path("field").asText()).isEqualTo("source");

    String v03 = "{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}";
    assertThat(server.post("/cloudevents", CloudEventsInput.STRUCTURED, v03).statusCode()).isEqualTo(400);

    String httpSchema = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\","
        + "\"dataschema\":\"https://schemas.example/x.json\"}";
    HttpResponse<String> malformed = server.post("/cloudevents", CloudEventsInput.STRUCTURED, httpSchema);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(Json.read(malformed.body()).path("error").path("code").asText()).isEqualTo("invalid_schema_uri");
    assertThat(Json.read(malformed.body()).path("error").path("message").asText())
        .contains("dataschema").doesNotContain("schemas.example");

    String badTime = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"time\":\"noon\"}";
    assertThat(server.post("/cloudevents", CloudEventsInput.STRUCTURED, badTime).statusCode()).isEqualTo(400);

    HttpResponse<String> binaryBadJson = server.send(HttpRequest.newBuilder(server.uri("/cloudevents"))
        .header("ce-specversion", "1.0").header("ce-id", "1").header("ce-source", "/s").header("ce-type", "t")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{nope")).build());
    assertThat(binaryBadJson.statusCode()).isEqualTo(400);
    assertThat(server.flushValid()).isEmpty();
    assertThat(server.flushInvalid()).isEmpty();
  }

  @Test
  void binaryHeaderValuesArePercentDecoded() throws Exception {
    HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/cloudevents"))
        .header("ce-specversion", "1.0").header("ce-id", "1").header("ce-source", "/s").header("ce-type", "t")
        .header("ce-subject", "caf%C3%A9+bar").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build());
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(server.flushValid().get(0).attributes()).containsEntry("subject", "café+bar");
  }
}
