package dev.eventkit.input;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.cloudevents.CloudEventsInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.internal.json.Json;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A batch of many bad events is answered with the first 100 rejections and the totals, so that an answer stays
 * small whatever the request: 300 KB of {@code [{},{},…]} used to draw 9 MB of rejections.
 */
class RejectionListTest {

  private static final int ITEMS = 100_000;
  private static TestCollector server;

  @BeforeAll
  static void start() {
    server = new TestCollector(SegmentInput.create(), SelfDescribingInput.create(), CloudEventsInput.create());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String repeated(String prefix, String item, int n, String suffix) {
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append(item);
    }
    return b.append(suffix).toString();
  }

  private static void assertBounded(String path, String type, String body, int accepted) {
    byte[] bytes = TestCollector.utf8(body);
    HttpResponse r = server.handle("POST", path, null, Map.of("Content-Type", type), bytes);
    assertThat(r.status()).isEqualTo(accepted == 0 ? 400 : 202);
    assertThat(r.body().length).as("answer to %d request bytes on %s", bytes.length, path).isLessThan(16 * 1024);
    JsonNode json = Json.read(r.bodyText());
    assertThat(json.path("accepted").asInt()).isEqualTo(accepted);
    assertThat(json.path("rejectedCount").asInt()).isEqualTo(ITEMS);
    assertThat(json.path("rejected")).hasSize(100);
    assertThat(json.path("rejected").get(0).path("index").asInt()).isEqualTo(accepted == 0 ? 0 : 1);
    assertThat(json.path("rejected").get(99).path("code").asText()).isNotEmpty();
  }

  @Test
  void threeHundredKilobytesOfEmptyObjectsDrawASmallAnswer() {
    assertBounded("/collect", "application/json", repeated("[", "{}", ITEMS, "]"), 0);
    assertBounded("/sd", "application/json", repeated("[", "{}", ITEMS, "]"), 0);
    assertBounded("/v1/batch", "application/json", repeated("{\"batch\":[", "{}", ITEMS, "]}"), 0);
    assertBounded("/cloudevents", CloudEventsInput.BATCH, repeated("[", "{}", ITEMS, "]"), 0);
  }

  @Test
  void aPartialBatchListsTheFirstRejectionsAndCountsThemAll() {
    String good = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}";
    assertBounded("/collect", "application/json", "[" + good + "," + repeated("", "{}", ITEMS, "]"), 1);
  }

  @Test
  void aFewRejectionsAreAllListed() {
    HttpResponse r = server.handle("POST", "/collect", null, Map.of("Content-Type", "application/json"),
        TestCollector.utf8("[{},{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"},{}]"));
    JsonNode json = Json.read(r.bodyText());
    assertThat(json.path("rejectedCount").asInt()).isEqualTo(2);
    assertThat(json.path("rejected")).hasSize(2);
  }
}
