package dev.eventkit.snowplow;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.testing.FuzzCollector;
import dev.eventkit.testing.FuzzCorpus;
import dev.eventkit.testing.FuzzRequest;
import dev.eventkit.testing.FuzzRequest.Header;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Coverage-guided fuzz targets for the Snowplow tracker protocol through {@link Collector#handle}: query-string
 * events ({@code GET /i}, {@code GET} tp2, custom paths, the click redirect) and {@code POST} tp2 bodies. Besides
 * {@link FuzzCollector#check}'s promises, no request may reach the input's safety net (the failed event kept when
 * reading threw: that is a bug the net only hides).
 *
 * <p>A plain test run replays each target's corpus ({@code src/test/resources/dev/eventkit/snowplow/
 * SnowplowCollectorFuzzTestInputs/<target>/}); {@code scripts/fuzz.sh} fuzzes them.
 */
@ExtendWith(FuzzCorpus.class)
class SnowplowCollectorFuzzTest {

  static final String[] GET = {"GET", "POST", "HEAD", "OPTIONS", "PUT"};
  static final String[] POST = {"POST", "GET", "OPTIONS", "PUT", "DELETE"};

  /** Headers a tracker or a proxy sends. */
  static final Header[] COMMON = {
      new Header("Cookie", "sp=7d0b7d8e-6b1e-4a4e-9c53-2f0e6c1c8a11", "sp=not-a-uuid; other=1", ""),
      new Header("SP-Anonymous", "*"),
      new Header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)", "snowplow-java-tracker/1.0.1"),
      new Header("X-Forwarded-For", "198.51.100.1, 10.0.0.1", "2001:db8::1", "unknown"),
      new Header("Forwarded", "for=\"[2001:db8::1]:4711\";proto=https", "for=198.51.100.1"),
      new Header("Referer", "https://shop.example/cart"),
      new Header("Origin", "https://shop.example"),
      new Header("Content-Encoding", "gzip", "identity"),
      new Header(null, "1"),
  };

  static final FuzzRequest QUERY = FuzzRequest.builder(GET, SnowplowInput.PIXEL_PATH, SnowplowInput.TP2_PATH,
      SnowplowInput.REDIRECT_PATH, "/com.acme/track", "/{}/{}")
      .query().optional(COMMON).build();

  static final FuzzRequest BODY = FuzzRequest.builder(POST, SnowplowInput.TP2_PATH, "/com.acme/track", "/{}/{}")
      .query().optional(new Header("Content-Type", "application/json; charset=UTF-8", "application/json",
          "text/plain", "application/x-www-form-urlencoded"))
      .optional(COMMON).build();

  static final FuzzCollector COLLECTOR = new FuzzCollector(
      SchemaRegistry.builder().source(SnowplowSchemas.source()).source(ClasspathSchemaSource.create()).build(),
      SnowplowCollectorFuzzTest::routes);

  static void routes(Collector.Builder b) {
    // Forwarded headers are believed from any peer here, so that the fuzzer reaches the address rules.
    b.input(SnowplowInput.builder().redirectHosts("shop.example", "*.example.org").build())
        .input(SegmentInput.create())
        .clientAddressPolicy(dev.eventkit.http.security.ClientAddressPolicy.trusting("0.0.0.0/0", "::/0"));
  }

  static void check(HttpRequest request) {
    FuzzCollector.Outcome outcome = COLLECTOR.check(request);
    FuzzCorpus.verify(outcome.response());
    for (Envelope e : outcome.appended()) {
      String message = e.validation().message();
      FuzzCollector.require(message == null || !message.contains("could not read this request"),
          "reading the request threw; the safety net kept it as a failed event");
    }
  }

  @FuzzTest
  @DictionaryEntries({"e=pv", "e=pp", "e=se", "e=ue", "e=tr", "e=ti", "&", "=", "%", "tv=", "p=web", "eid=",
      "dtm=", "stm=", "url=", "refr=", "ue_pr=", "ue_px=", "cx=", "co=", "se_ca=", "se_ac=", "se_va=", "tr_id=",
      "tr_tt=", "ti_id=", "ti_sk=", "ti_qu=", "pp_mix=", "u=https%3A%2F%2Fshop.example%2F", "duid=", "nuid=",
      "%7B%22schema%22%3A%22iglu%3A", "eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy91bnN0cnVjdF9"})
  void get(FuzzedDataProvider data) {
    check(QUERY.read(data));
  }

  @FuzzTest
  @DictionaryEntries({"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","
      + "\"data\":[{\"e\":\"pv\",\"tv\":\"js\",\"p\":\"web\"}]}", "\"e\":\"pv\"", "\"e\":\"se\"", "\"e\":\"ue\"",
      "\"e\":\"tr\"", "\"e\":\"ti\"", "\"e\":\"pp\"", "\"tv\"", "\"p\"", "\"eid\"", "\"dtm\"", "\"stm\"",
      "\"url\"", "\"ue_pr\"", "\"ue_px\"", "\"cx\"", "\"co\"", "\"se_ca\"", "\"se_ac\"", "\"se_va\"",
      "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
      "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1", "\\\"schema\\\":\\\"iglu:"})
  void post(FuzzedDataProvider data) {
    check(BODY.read(data));
  }
}
