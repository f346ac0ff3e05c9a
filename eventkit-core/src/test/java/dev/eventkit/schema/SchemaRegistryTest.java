package dev.eventkit.schema;

import static dev.eventkit.schema.SchemaValidatorTest.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.testing.MutableClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry against a real Iglu-compatible HTTP server: caching, negative caching, outages, routing, health. */
class SchemaRegistryTest {

  private static final String CHECKOUT = "iglu:com.acme/checkout/jsonschema/1-0-0";
  private static final String CHECKOUT_SCHEMA = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
      + "\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"number\"}},\"required\":[\"total\"]}";
  private static final String UNKNOWN = "iglu:com.acme/unpublished/jsonschema/1-0-0";

  private final MutableClock clock = new MutableClock();
  private IgluTestServer iglu;

  @AfterEach
  void stopServer() {
    if (iglu != null) {
      iglu.close();
    }
  }

  private SchemaRegistry httpRegistry(SchemaSource source) {
    return SchemaRegistry.builder().source(source).clock(clock)
        .cacheTtl(Duration.ofMinutes(10)).negativeCacheTtl(Duration.ofMinutes(1)).build();
  }

  @Test
  void cachedSchemasKeepValidatingWhenTheRegistryStopsAndUnknownOnesAreFetchedOncePerTtl() throws Exception {
    iglu = new IgluTestServer().put(CHECKOUT, CHECKOUT_SCHEMA);
    CountingSource http = new CountingSource(HttpSchemaSource.builder(URI.create(iglu.baseUrl()))
        .requestTimeout(Duration.ofSeconds(5)).build());
    SchemaRegistry registry = httpRegistry(http);
    SchemaValidator validator = SchemaValidator.create(registry);

    for (int i = 0; i < 50; i++) {
      assertThat(validator.validate(event(CHECKOUT, "{\"total\":" + i + "}"))).isEqualTo(Validation.valid());
      assertThat(validator.validate(event(UNKNOWN, "{}")).error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    }
    assertThat(iglu.requests(CHECKOUT)).isEqualTo(1);
    assertThat(iglu.requests(UNKNOWN)).isEqualTo(1);

    clock.advance(Duration.ofSeconds(61)); // past the negative TTL only
    validator.validate(event(UNKNOWN, "{}"));
    validator.validate(event(UNKNOWN, "{}"));
    assertThat(iglu.requests(UNKNOWN)).isEqualTo(2);
    assertThat(iglu.requests(CHECKOUT)).isEqualTo(1);
    assertThat(registry.health().healthy()).isTrue();

    iglu.stop(); // mid-run
    int before = http.fetches.get();
    for (int i = 0; i < 20; i++) {
      assertThat(validator.validate(event(CHECKOUT, "{\"total\":1}"))).isEqualTo(Validation.valid());
      assertThat(validator.validate(event(CHECKOUT, "{}")).error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    }
    assertThat(http.fetches.get()).isEqualTo(before); // still fresh: no contact at all

    clock.advance(Duration.ofMinutes(11)); // the cached copy expires while the server is down
    for (int i = 0; i < 20; i++) {
      assertThat(validator.validate(event(CHECKOUT, "{\"total\":1}"))).isEqualTo(Validation.valid());
      assertThat(validator.validate(event(UNKNOWN, "{}")).error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    }
    // One refresh attempt for the cached schema and one for the unknown one, then both wait out the negative TTL.
    assertThat(http.fetches.get()).isEqualTo(before + 2);
    SchemaRegistryHealth health = registry.health();
    assertThat(health.healthy()).isFalse();
    assertThat(health.sources().get(0).up()).isFalse();
    assertThat(health.sources().get(0).lastError()).isNotBlank();
    assertThat(health.sources().get(0).cachedSchemas()).isEqualTo(1);
    assertThat(health.cachedMisses()).isEqualTo(1);
    assertThat(health.toJson().path("status").asText()).isEqualTo("degraded");
    assertThat(registry.schemas()).singleElement().satisfies(s -> {
      assertThat(s.uri()).isEqualTo(CHECKOUT);
      assertThat(s.state()).isEqualTo(SchemaInfo.State.STALE);
      assertThat(s.source()).isEqualTo(iglu.baseUrl());
    });

    clock.advance(Duration.ofSeconds(61));
    assertThat(validator.validate(event(CHECKOUT, "{\"total\":1}"))).isEqualTo(Validation.valid());
    assertThat(http.fetches.get()).isEqualTo(before + 3);
  }

  @Test
  void concurrentLookupsOfOneUnknownSchemaMakeOneRequest() throws Exception {
    iglu = new IgluTestServer();
    SchemaRegistry registry = httpRegistry(HttpSchemaSource.of(iglu.baseUrl()));
    SchemaValidator validator = SchemaValidator.create(registry);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Validation>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return validator.validate(event(UNKNOWN, "{}"));
        }));
      }
      start.countDown();
      for (Future<Validation> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS).error()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(iglu.requests(UNKNOWN)).isEqualTo(1);
  }

  @Test
  void garbageErrorsAndTimeoutsAreOutagesNeverExceptions() throws Exception {
    iglu = new IgluTestServer().put(CHECKOUT, CHECKOUT_SCHEMA);
    SchemaRegistry registry = httpRegistry(HttpSchemaSource.builder(URI.create(iglu.baseUrl()))
        .requestTimeout(Duration.ofMillis(300)).build());
    SchemaValidator validator = SchemaValidator.create(registry);
    for (IgluTestServer.Mode mode : new IgluTestServer.Mode[] {
        IgluTestServer.Mode.GARBAGE, IgluTestServer.Mode.ERROR, IgluTestServer.Mode.HANG}) {
      iglu.mode(mode);
      registry.clearCache();
      Validation v = validator.validate(event(CHECKOUT, "{\"total\":1}"));
      assertThat(v.error()).as(mode.name()).isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
      assertThat(v.violations().get(0).message()).contains("could not be fetched");
      SourceHealth h = registry.health().sources().get(0);
      assertThat(h.up()).as(mode.name()).isFalse();
      assertThat(h.lastError()).as(mode.name()).isNotBlank();
    }
    iglu.mode(IgluTestServer.Mode.NORMAL);
    registry.clearCache();
    assertThat(validator.validate(event(CHECKOUT, "{\"total\":1}"))).isEqualTo(Validation.valid());
    assertThat(registry.health().healthy()).isTrue();
  }

  @Test
  void prioritiesAndVendorPrefixesRouteLookups(@TempDir Path dir1, @TempDir Path dir2) throws Exception {
    String acme = "iglu:com.acme/a/jsonschema/1-0-0";
    write(dir1, "com.acme/a/jsonschema/1-0-0", "{\"type\":\"string\"}");
    write(dir2, "com.acme/a/jsonschema/1-0-0.json", "{\"type\":\"number\"}");
    iglu = new IgluTestServer().put("iglu:org.other/b/jsonschema/1-0-0", "{\"type\":\"boolean\"}");
    SchemaRegistry registry = SchemaRegistry.builder()
        .source(DirectorySchemaSource.of(dir1), 20)
        .source(DirectorySchemaSource.of(dir2), 10)
        .source(HttpSchemaSource.of(iglu.baseUrl()), 0, "org.other")
        .build();
    SchemaValidator validator = SchemaValidator.create(registry);
    // dir2 has the lower priority number, so it is asked first; the HTTP source is never asked for com.acme.
    assertThat(validator.validate(event(acme, "1"))).isEqualTo(Validation.valid());
    assertThat(validator.validate(event(acme, "\"x\"")).error()).isEqualTo(ValidationError.PAYLOAD_INVALID);
    assertThat(validator.validate(event("iglu:com.acme/zzz/jsonschema/1-0-0", "1")).error())
        .isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(iglu.totalRequests()).isZero();
    assertThat(validator.validate(event("iglu:org.other/b/jsonschema/1-0-0", "true")))
        .isEqualTo(Validation.valid());
    assertThat(validator.validate(event("iglu:org.other.sub/c/jsonschema/1-0-0", "true")).error())
        .isEqualTo(ValidationError.SCHEMA_NOT_FOUND);
    assertThat(iglu.totalRequests()).isEqualTo(2);
    assertThat(registry.schemas()).extracting(SchemaInfo::uri, SchemaInfo::source).contains(
        org.assertj.core.groups.Tuple.tuple(acme, "dir:" + dir2.getFileName()),
        org.assertj.core.groups.Tuple.tuple("iglu:org.other/b/jsonschema/1-0-0", iglu.baseUrl()));
    assertThat(registry.health().sources()).extracting(SourceHealth::priority).containsExactly(0, 10, 20);
  }

  @Test
  void listingsShowWhatSourcesHoldAndWhatIsCached() {
    SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build();
    assertThat(registry.schemas()).extracting(SchemaInfo::uri)
        .contains(CHECKOUT, "iglu:com.acme/cart/jsonschema/1-0-0", "com.acme/web/signup.v1.json");
    assertThat(registry.schemas()).allMatch(s -> s.state() == SchemaInfo.State.AVAILABLE);
    SchemaValidator.create(registry).validate(event(CHECKOUT, "{}"));
    SchemaValidator.create(registry).validate(event("iglu:com.acme/broken/jsonschema/1-0-0", "{}"));
    assertThat(registry.schemas()).filteredOn(s -> s.uri().equals(CHECKOUT)).singleElement().satisfies(s -> {
      assertThat(s.state()).isEqualTo(SchemaInfo.State.CACHED);
      assertThat(s.dialect()).isEqualTo(SchemaDialect.DRAFT_04);
      assertThat(s.source()).isEqualTo("classpath:schemas");
    });
    assertThat(registry.schemas()).filteredOn(s -> s.uri().contains("broken")).singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo(SchemaInfo.State.INVALID));
  }

  @Test
  void theCacheIsBounded() {
    SchemaRegistry registry = SchemaRegistry.builder().source(ClasspathSchemaSource.create())
        .maxCacheEntries(20).build();
    SchemaValidator validator = SchemaValidator.create(registry);
    validator.validate(event(CHECKOUT, "{}"));
    for (int i = 0; i < 200; i++) {
      validator.validate(event("iglu:com.acme/random" + i + "/jsonschema/1-0-0", "{}"));
    }
    SchemaRegistryHealth h = registry.health();
    assertThat(h.cachedSchemas() + h.cachedMisses()).isLessThanOrEqualTo(21);
    assertThat(h.cachedSchemas()).isEqualTo(1); // misses go first
  }

  @Test
  void buildersRefuseBadConfiguration() {
    assertThatThrownBy(() -> SchemaRegistry.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("source");
    assertThatThrownBy(() -> SchemaRegistry.builder().source(ClasspathSchemaSource.create())
        .cacheTtl(Duration.ZERO).build()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SchemaRegistry.builder().source(ClasspathSchemaSource.create())
        .source(ClasspathSchemaSource.create()).build()).hasMessageContaining("classpath:schemas");
    assertThatThrownBy(() -> HttpSchemaSource.of("ftp://x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpSchemaSource.of("http://user:pw@x")).isInstanceOf(IllegalArgumentException.class);
    SchemaRegistry r = SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build();
    assertThatThrownBy(() -> SchemaValidator.builder(r).maxDepth(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SchemaValidator.builder(r).eventSchema("*", "x", "http://x"))
        .hasMessageContaining("malformed schema URI");
  }

  private static void write(Path root, String rel, String text) throws Exception {
    Path f = root.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }
}
