package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.sink.InMemorySink;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Endpoints are routes that take no events: answered directly, never with CORS headers. */
class CollectorEndpointTest {

  private final Pipeline pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer())
      .sink(new InMemorySink("s")).build().start();

  @AfterEach
  void close() {
    pipeline.close();
  }

  private static final Endpoint VERSION = new Endpoint() {
    @Override
    public List<Route> routes() {
      return List.of(Route.get("/admin/version"));
    }

    @Override
    public HttpResponse handle(HttpRequest request, RequestContext context) {
      return HttpResponse.json(200, Json.object().put("version", context.collector().version()));
    }
  };

  private static HttpResponse call(Collector c, String method, String path) {
    return c.handle(HttpRequest.builder(method, path).header("Origin", "https://shop.example")
        .remoteAddress("127.0.0.1").build()).join();
  }

  @Test
  void endpointsAndHealthAnswerWithoutCorsWhileInputsDo() {
    Collector c = Collector.builder(pipeline).input(SegmentInput.create()).endpoint(VERSION).build();
    HttpResponse version = call(c, "GET", "/admin/version");
    assertThat(version.status()).isEqualTo(200);
    assertThat(version.headers()).doesNotContainKey("Access-Control-Allow-Origin");
    HttpResponse head = call(c, "HEAD", "/health");
    assertThat(head.status()).isEqualTo(200);
    assertThat(call(c, "GET", "/health").headers()).doesNotContainKey("Access-Control-Allow-Origin");
    assertThat(call(c, "POST", "/health").status()).isEqualTo(405);
    assertThat(call(c, "OPTIONS", "/collect").headers()).containsKey("Access-Control-Allow-Origin");
  }

  @Test
  void aCollectorNeedsAnInput() {
    assertThatThrownBy(() -> Collector.builder(pipeline).endpoint(VERSION).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("input");
  }
}
