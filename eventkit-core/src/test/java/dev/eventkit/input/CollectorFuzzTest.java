package dev.eventkit.input;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.input.webhook.WebhookInput;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.testing.FuzzCollector;
import dev.eventkit.testing.FuzzCorpus;
import dev.eventkit.testing.FuzzRequest;
import dev.eventkit.testing.FuzzRequest.Header;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Coverage-guided fuzz targets for every core input, through {@link Collector#handle} as any HTTP host calls it:
 * Segment, self-describing JSON, CloudEvents (structured, batch, binary), webhooks, pixels, and gzip bodies on every
 * JSON route. Each request is checked by {@link FuzzCollector#check}: no exception escapes, the answer comes, never
 * a 5xx, errors are JSON, and what the answer counts is what the log holds.
 *
 * <p>A plain test run replays each target's corpus ({@code src/test/resources/dev/eventkit/input/
 * CollectorFuzzTestInputs/<target>/}: seeds and every finding); {@code scripts/fuzz.sh} fuzzes them.
 */
@ExtendWith(FuzzCorpus.class)
class CollectorFuzzTest {

  static final String ORDER = "iglu:com.acme/order/jsonschema/1-0-0";

  static final String[] POST = {"POST", "GET", "OPTIONS", "PUT", "HEAD", "DELETE", "PATCH"};
  static final String[] GET = {"GET", "POST", "HEAD", "OPTIONS", "DELETE"};
  static final String[] JSON_TYPES = {"application/json", "text/plain", "application/json; charset=utf-8",
      "text/plain;charset=UTF-8", "APPLICATION/JSON", "application/xml", ""};

  /** Headers any client may send, besides each target's own. */
  static final Header[] COMMON = {
      new Header("Content-Encoding", "gzip", "identity", "deflate", "", " GZIP "),
      new Header("Origin", "https://shop.example", "null"),
      new Header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"),
      new Header("X-Forwarded-For", "198.51.100.1, 10.0.0.1"),
      new Header(null, "1"),
  };

  static final FuzzRequest SEGMENT = FuzzRequest.builder(POST, "/collect", "/collect/{}", "/v1/track",
      "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch", "/v1/import", "/v1/{}")
      .optional(new Header("Content-Type", JSON_TYPES)).optional(COMMON).build();

  static final FuzzRequest SELF_DESCRIBING = FuzzRequest.builder(POST, "/sd", "/sd/{}", "/sd/{}/{}")
      .optional(new Header("Content-Type", JSON_TYPES)).optional(COMMON).build();

  static final String[] CLOUDEVENTS_PATHS = {"/cloudevents", "/cloudevents/{}"};

  static final FuzzRequest CLOUDEVENTS_STRUCTURED = FuzzRequest.builder(POST, CLOUDEVENTS_PATHS)
      .required("Content-Type", CloudEventsInput.STRUCTURED, CloudEventsInput.STRUCTURED + "; charset=utf-8",
          "Application/CloudEvents+JSON")
      .optional(COMMON).optional(new Header("ce-{}", "1.0")).build();

  static final FuzzRequest CLOUDEVENTS_BATCH = FuzzRequest.builder(POST, CLOUDEVENTS_PATHS)
      .required("Content-Type", CloudEventsInput.BATCH, CloudEventsInput.BATCH + "; charset=utf-8")
      .optional(COMMON).build();

  static final FuzzRequest CLOUDEVENTS_BINARY = FuzzRequest.builder(POST, CLOUDEVENTS_PATHS)
      .required("ce-specversion", "1.0", "0.3", "")
      .required("ce-id", "A234-1234-1234")
      .required("ce-source", "/mycontext", "https://shop.example/orders")
      .required("ce-type", "com.example.someevent")
      .optional(new Header("Content-Type", "application/json", "text/plain", "text/plain; charset=utf-8",
          "application/octet-stream", "application/vnd.acme+json", "text/json", "image/png"),
          new Header("ce-time", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123456789+02:00"),
          new Header("ce-dataschema", ORDER, "com.acme/web/signup.v1.json"),
          new Header("ce-subject", "%E2%82%AC%20price"),
          new Header("ce-datacontenttype", "application/json"),
          new Header("CE-{}", "x"))
      .optional(COMMON).build();

  static final FuzzRequest WEBHOOK = FuzzRequest.builder(POST, "/webhook/{}", "/webhook/shop", "/webhook/{}/{}")
      .optional(new Header("Content-Type", JSON_TYPES),
          new Header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958", "", "  "),
          new Header("X-Request-Id", "r-1"))
      .optional(COMMON).build();

  static final FuzzRequest PIXEL = FuzzRequest.builder(GET, "/pixel/{}", "/pixel/order", "/pixel/{}/{}")
      .query().optional(new Header("Referer", "https://mail.example/inbox")).optional(COMMON).build();

  static final FuzzRequest GZIP = FuzzRequest.builder(POST, "/collect", "/v1/batch", "/sd", "/cloudevents",
      "/webhook/shop")
      .required("Content-Encoding", "gzip", "GZIP", " gzip ", "identity", "x-gzip", "")
      .required("Content-Type", "application/json", "text/plain", CloudEventsInput.STRUCTURED,
          CloudEventsInput.BATCH)
      .optional(COMMON).gzip().build();

  static final FuzzCollector COLLECTOR = new FuzzCollector(
      SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build(), CollectorFuzzTest::routes);

  static void routes(Collector.Builder b) {
    b.input(SegmentInput.create())
        .input(SelfDescribingInput.create())
        .input(CloudEventsInput.create())
        .input(WebhookInput.builder().hook("shop", ORDER).idHeaders("X-GitHub-Delivery", "X-Request-Id").build())
        .input(PixelInput.builder().pixel("order", ORDER).allowRedirectHost("shop.example")
            .allowRedirectHost("*.example.org").build());
  }

  static void check(HttpRequest request) {
    FuzzCorpus.verify(COLLECTOR.check(request).response());
  }

  @FuzzTest
  @DictionaryEntries({"{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}", "\"type\"", "\"track\"",
      "\"identify\"", "\"page\"", "\"screen\"", "\"group\"", "\"alias\"", "\"event\"", "\"userId\"",
      "\"anonymousId\"", "\"previousId\"", "\"groupId\"", "\"messageId\"", "\"properties\"", "\"traits\"",
      "\"context\"", "\"timestamp\"", "\"sentAt\"", "\"batch\"", "\"schema\"", "\"data\"", "\"contexts\"",
      "\"iglu:com.acme/order/jsonschema/1-0-0\"", "\"2026-01-01T00:00:00Z\""})
  void segment(FuzzedDataProvider data) {
    check(SEGMENT.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"{\"schema\":\"iglu:com.acme/order/jsonschema/1-0-0\",\"data\":{}}", "\"schema\"",
      "\"data\"", "\"contexts\"", "\"id\"", "\"sentAt\"", "\"iglu:", "com.acme/web/signup.v1.json",
      "/jsonschema/1-0-0\"", "\"shipTo\"", "\"2026-01-01T00:00:00Z\""})
  void selfDescribing(FuzzedDataProvider data) {
    check(SELF_DESCRIBING.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"\"specversion\":\"1.0\"", "\"id\"", "\"source\"", "\"type\"", "\"time\"",
      "\"dataschema\"", "\"subject\"", "\"datacontenttype\"", "\"data\"", "\"data_base64\"",
      "\"2026-01-01T00:00:00Z\"", "\"iglu:com.acme/order/jsonschema/1-0-0\""})
  void cloudEventsStructured(FuzzedDataProvider data) {
    check(CLOUDEVENTS_STRUCTURED.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"\"specversion\":\"1.0\"", "\"id\"", "\"source\"", "\"type\"", "\"time\"",
      "\"dataschema\"", "\"data\"", "\"data_base64\"", "\"iglu:com.acme/order/jsonschema/1-0-0\""})
  void cloudEventsBatch(FuzzedDataProvider data) {
    check(CLOUDEVENTS_BATCH.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"%", "%E2%82%AC", "%C3", "application/", "+json", "text/", "iglu:", "/jsonschema/1-0-0"})
  void cloudEventsBinary(FuzzedDataProvider data) {
    check(CLOUDEVENTS_BINARY.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"{\"shipTo\":{}}", "\"shipTo\""})
  void webhook(FuzzedDataProvider data) {
    check(WEBHOOK.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"data=", "redirect=", "redirect=https://shop.example/", "https://", "http://",
      ".example.org", "eyJ", "&", "%", "%2F", "%0D%0A", "=="})
  void pixel(FuzzedDataProvider data) {
    check(PIXEL.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}",
      "{\"schema\":\"iglu:com.acme/order/jsonschema/1-0-0\",\"data\":{}}"})
  void gzip(FuzzedDataProvider data) {
    check(GZIP.read(data));
  }
}
