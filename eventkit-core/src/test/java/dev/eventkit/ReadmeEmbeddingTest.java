package dev.eventkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.JdkHttpHandler;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.input.selfdescribing.SelfDescribingInput;
import dev.eventkit.sink.FileSink;
import dev.eventkit.sink.InMemorySink;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding" example: the code between the markers below is the README's snippet, line for line
 * (eventkit-examples' {@code ReadmeSnippetsTest} checks that), and it compiles and runs here against a real SQLite
 * log and the JDK HTTP server.
 */
class ReadmeEmbeddingTest {

  @TempDir
  Path dataDir;

  @Test
  void theReadmeSnippetRuns() throws Exception {
    int port = 0;
    // snippet: embedding
    InMemorySink sink = new InMemorySink("app");             // or FileSink, StdoutSink, your own Sink
    Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dataDir.resolve("wal.db")))
        .sink(sink)
        .invalidSink(FileSink.builder(dataDir.resolve("invalid")).name("invalid").prefix("invalid").build())
        .deadLetterSink(FileSink.builder(dataDir.resolve("dead")).name("dead-letter").prefix("dead").build())
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(200)).maxAttempts(20).build())
        .interceptor(e -> e.toBuilder().attribute("region", "eu").build())   // enrich, redact, route or drop
        .build()
        .start();

    // Any HTTP stack: turn its request into an HttpRequest, hand it to the collector, write the HttpResponse back.
    Collector collector = Collector.builder(pipeline)
        .input(SegmentInput.create())                        // POST /collect and Segment's /v1/* API
        .input(SelfDescribingInput.create())                 // POST /sd
        .build();
    HttpServer server = JdkHttpHandler.serve(collector, new InetSocketAddress(port), 0);   // the JDK's own server
    server.start();

    // Or collect directly: the future completes once the events are durable.
    pipeline.collect(Envelope.builder().protocol("app").payloadJson("{\"hello\":1}").build()).join();
    // end of snippet

    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/collect");
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"click\",\"userId\":\"u1\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(10)).until(() -> sink.envelopes().size() == 2);
      assertThat(sink.envelopes()).allSatisfy(e -> assertThat(e.attributes()).containsEntry("region", "eu"));
    } finally {
      server.stop(0);
      pipeline.shutdown().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
