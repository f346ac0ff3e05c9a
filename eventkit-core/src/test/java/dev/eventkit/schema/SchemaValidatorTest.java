package dev.eventkit.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.internal.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation against draft-04, draft-07 and 2020-12 schemas, contexts, typed errors and limits. */
class SchemaValidatorTest {

  private final SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build();
  private final SchemaValidator validator = SchemaValidator.create(registry);

  static Envelope event(String schema, String payload, Entity... contexts) {
    return Envelope.builder().protocol("test").schema(schema).payloadJson(payload).contexts(List.of(contexts))
        .build();
  }

  private static List<String> pointers(Validation v) {
    return v.violations().stream().map(Violation::pointer).toList();
  }

  @Test
  void igluSelfDescribingSchemaIsDraft04AndChecksTheSelfBlock() {
    String uri = "iglu:com.acme/checkout/jsonschema/1-0-0";
    assertThat(validator.validate(event(uri, "{\"orderId\":\"o-1\",\"total\":12.5,\"currency\":\"EUR\"}")))
        .isEqualTo(Validation.valid());

    Validation v = validator.validate(event(uri, "{\"total\":-1,\"currency\":\"GBP\",\"extra\":true}"));
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(v.violations()).extracting(Violation::pointer, Violation::keyword).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple("/payload/currency", "enum"),
        org.assertj.core.groups.Tuple.tuple("/payload/extra", "additionalProperties"),
        org.assertj.core.groups.Tuple.tuple("/payload/orderId", "required"),
        org.assertj.core.groups.Tuple.tuple("/payload/total", "minimum"));
    assertThat(v.message()).contains(uri);
    // Messages never echo the offending values.
    assertThat(v.violations()).allSatisfy(x -> assertThat(x.message()).doesNotContain("GBP").doesNotContain("-1"));

    Validation misnamed = validator.validate(event("iglu:com.acme/misnamed/jsonschema/1-0-0", "{}"));
    assertThat(misnamed.error()).isEqualTo(ValidationError.SCHEMA_INVALID);
    assertThat(misnamed.violations().get(0).message()).contains("self block");
  }

  @Test
  void draft04BooleanExclusiveMaximumIsHonoured() {
    String uri = "iglu:com.acme/price/jsonschema/1-0-0";
    assertThat(validator.validate(event(uri, "{\"discount\":99.5}")).status()).isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event(uri, "{\"discount\":100}"));
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(pointers(v)).containsExactly("/payload/discount");
    assertThat(v.violations().get(0).keyword()).isIn("maximum", "exclusiveMaximum");
  }

  @Test
  void draft07ConditionalsAreHonoured() {
    String uri = "iglu:com.acme/product/jsonschema/1-0-0";
    assertThat(validator.validate(event(uri, "{\"kind\":\"pen\"}")).status()).isEqualTo(Validation.Status.VALID);
    assertThat(validator.validate(event(uri, "{\"kind\":\"book\",\"isbn\":\"1\"}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event(uri, "{\"kind\":\"book\"}"));
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(v.violations()).extracting(Violation::keyword).contains("required");
    assertThat(pointers(v)).contains("/payload/isbn");
  }

  @Test
  void draft2020KeywordsAreHonoured() {
    String uri = "iglu:com.acme/cart/jsonschema/1-0-0";
    assertThat(validator.validate(event(uri, "{\"line\":[\"sku-1\",2]}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event(uri, "{\"line\":[\"sku-1\",0],\"note\":\"x\"}"));
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(pointers(v)).contains("/payload/line/1", "/payload/note");
  }

  @Test
  void theDeclaredDraftDecidesWhatAKeywordMeans() {
    // prefixItems means nothing in draft-07 and constrains the first item in 2020-12.
    assertThat(validator.validate(event("iglu:com.acme/tuple07/jsonschema/1-0-0", "[1]")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event("iglu:com.acme/tuple2020/jsonschema/1-0-0", "[1]"));
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(pointers(v)).containsExactly("/payload/0");
  }

  @Test
  void contextsAreValidatedEachAgainstItsOwnSchema() {
    String checkout = "iglu:com.acme/checkout/jsonschema/1-0-0";
    String user = "iglu:com.acme/user/jsonschema/1-0-0";
    Envelope ok = event(checkout, "{\"orderId\":\"o\",\"total\":1}",
        new Entity(user, "{\"id\":\"u1\",\"email\":\"a@example.com\"}"));
    assertThat(validator.validate(ok)).isEqualTo(Validation.valid());

    Envelope badContext = event(checkout, "{\"orderId\":\"o\",\"total\":1}",
        new Entity(user, "{\"id\":\"u1\"}"), new Entity(user, "{\"email\":\"not-an-email\"}"));
    Validation v = validator.validate(badContext);
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(pointers(v)).containsExactlyInAnyOrder("/contexts/1/data/id", "/contexts/1/data/email");
    assertThat(v.message()).contains("context 1");

    Envelope unknownContext = event(checkout, "{\"orderId\":\"o\",\"total\":1}",
        new Entity("iglu:com.acme/nothing/jsonschema/1-0-0", "{}"));
    Validation u = validator.validate(unknownContext);
    assertThat(u.error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(pointers(u)).containsExactly("/contexts/0/schema");
  }

  @Test
  void theGravestErrorWinsAndAllViolationsAreListed() {
    Envelope e = event("iglu:com.acme/checkout/jsonschema/1-0-0", "{\"total\":1}",
        new Entity("iglu:com.acme/nothing/jsonschema/1-0-0", "{}"),
        new Entity("iglu:com.acme/broken/jsonschema/1-0-0", "{}"));
    Validation v = validator.validate(e);
    assertThat(v.error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(pointers(v)).containsExactly("/payload/orderId", "/contexts/0/schema", "/contexts/1/schema");
  }

  @Test
  void unknownUnusableAndMalformedSchemasAreTypedErrors() {
    assertThat(validator.validate(event("iglu:com.acme/nothing/jsonschema/1-0-0", "{}")).error())
        .isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(validator.validate(event("iglu:com.acme/broken/jsonschema/1-0-0", "{}")).error())
        .isEqualTo(ValidationError.SCHEMA_INVALID);
    Validation weird = validator.validate(event("iglu:com.acme/weird/jsonschema/1-0-0", "{}"));
    assertThat(weird.error()).isEqualTo(ValidationError.SCHEMA_INVALID);
    assertThat(weird.violations().get(0).message()).contains("$schema");
    Validation malformed = validator.validate(event("http://example.com/x.json", "{}"));
    assertThat(malformed.error()).isEqualTo(ValidationError.PROTOCOL_VIOLATION);
    assertThat(pointers(malformed)).containsExactly("/schema");
  }

  @Test
  void referencesResolveThroughTheRegistryAndNeverTheNetwork() {
    String order = "iglu:com.acme/order/jsonschema/1-0-0";
    assertThat(validator.validate(event(order, "{\"shipTo\":{\"city\":\"Lyon\",\"zip\":\"69001\"}}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event(order, "{\"shipTo\":{\"zip\":\"6900\"}}"));
    assertThat(pointers(v)).containsExactlyInAnyOrder("/payload/shipTo/city", "/payload/shipTo/zip");

    // A $ref to an http URI is refused (no fetch), which makes the schema unusable rather than the event valid.
    Validation remote = validator.validate(event("iglu:com.acme/remote/jsonschema/1-0-0", "{\"a\":1}"));
    assertThat(remote.error()).isEqualTo(ValidationError.SCHEMA_INVALID);
  }

  @Test
  void relativeNamesAndTheirRelativeReferencesResolve() {
    String signup = "com.acme/web/signup.v1.json";
    assertThat(validator.validate(event(signup, "{\"plan\":\"pro\",\"address\":{\"city\":\"Oslo\"}}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation v = validator.validate(event(signup, "{\"plan\":1,\"address\":{}}"));
    assertThat(pointers(v)).containsExactlyInAnyOrder("/payload/plan", "/payload/address/city");
  }

  @Test
  void eventsWithoutSchemaAreNotValidatedUnlessMappedByStreamAndName() {
    String track = "{\"type\":\"track\",\"event\":\"Checkout\",\"userId\":\"u\",\"properties\":{}}";
    assertThat(validator.validate(event(null, track))).isEqualTo(Validation.notValidated());

    SchemaValidator mapped = SchemaValidator.builder(registry)
        .eventSchema("web", "Checkout", "iglu:com.acme/product/jsonschema/1-0-0")
        .eventSchema(SchemaValidator.ANY_STREAM, "Checkout", "iglu:com.acme/nothing/jsonschema/1-0-0")
        .build();
    Envelope web = Envelope.builder().protocol("segment").stream("web").payloadJson(track).build();
    Validation v = mapped.validate(web);
    assertThat(v.error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(pointers(v)).contains("/payload/kind");
    Envelope other = Envelope.builder().protocol("segment").stream("app").payloadJson(track).build();
    Validation w = mapped.validate(other);
    assertThat(w.error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(pointers(w)).containsExactly("/payload/event");
    Envelope unmapped = Envelope.builder().protocol("segment").stream("web")
        .payloadJson(track.replace("Checkout", "Login")).build();
    assertThat(mapped.validate(unmapped)).isEqualTo(Validation.notValidated());
  }

  @Test
  void contextsOfAnUnschemedEventAreStillChecked() {
    Envelope e = event(null, "{\"a\":1}", new Entity("iglu:com.acme/user/jsonschema/1-0-0", "{}"));
    assertThat(validator.validate(e).error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    Envelope ok = event(null, "{\"a\":1}", new Entity("iglu:com.acme/user/jsonschema/1-0-0", "{\"id\":\"x\"}"));
    assertThat(validator.validate(ok)).isEqualTo(Validation.notValidated());
  }

  @Test
  void depthAndSizeLimitsAreSizeViolations() {
    // The size counts all the envelope stores: here a 36-char id, "default" and the 36-char schema URI (79 bytes)
    // besides the payload, and a context's schema URI besides its data.
    SchemaValidator strict = SchemaValidator.builder(registry).maxDepth(3).maxEventBytes(160).build();
    String uri = "iglu:com.acme/user/jsonschema/1-0-0";
    assertThat(strict.validate(event(uri, "{\"id\":\"x\",\"n\":{\"m\":{}}}")).status())
        .isEqualTo(Validation.Status.VALID);
    Validation deep = strict.validate(event(uri, "{\"id\":\"x\",\"n\":{\"m\":{\"o\":[]}}}"));
    assertThat(deep.error()).isEqualTo(ValidationError.SIZE_VIOLATION);
    assertThat(pointers(deep)).containsExactly("/payload");
    Validation deepContext = strict.validate(event(uri, "{\"id\":\"x\"}", new Entity(uri, "[[[[1]]]]")));
    assertThat(pointers(deepContext)).containsExactly("/contexts/0/data");

    String big = "{\"id\":\"" + "é".repeat(50) + "\"}"; // 58 chars, 108 UTF-8 bytes: 187 with the rest
    Validation large = strict.validate(event(uri, big));
    assertThat(large.error()).isEqualTo(ValidationError.SIZE_VIOLATION);
    assertThat(large.violations().get(0).keyword()).isEqualTo("maxEventBytes");

    // The default depth limit is 40.
    String nested41 = "[".repeat(41) + "]".repeat(41);
    assertThat(validator.validate(event(uri, nested41)).error()).isEqualTo(ValidationError.SIZE_VIOLATION);
    String nested40 = "{\"id\":\"x\",\"d\":" + "[".repeat(39) + "]".repeat(39) + "}";
    assertThat(validator.validate(event(uri, nested40)).status()).isEqualTo(Validation.Status.VALID);
  }

  @Test
  void depthCountsNestedContainers() {
    assertThat(SchemaValidator.depth(Json.read("1"))).isZero();
    assertThat(SchemaValidator.depth(Json.read("{}"))).isEqualTo(1);
    assertThat(SchemaValidator.depth(Json.read("{\"a\":[1,{\"b\":[]}],\"c\":{}}"))).isEqualTo(4);
  }
}
