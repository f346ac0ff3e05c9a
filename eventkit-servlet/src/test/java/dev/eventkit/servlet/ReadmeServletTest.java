package dev.eventkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's servlet example: the code between the snippet markers below is the README's snippet (eventkit-examples'
 * {@code ReadmeSnippetsTest} checks that, line for line), and here it registers the collector in a real Tomcat that
 * then answers a POST to {@code /eventkit/collect} with 202 and delivers the event.
 */
class ReadmeServletTest {

  @TempDir
  Path dir;

  /** An application that registers eventkit's servlet at start-up, as the README shows. */
  record Application(Collector collector) implements ServletContainerInitializer {
    // @formatter:off (the README quotes these lines as they are)
    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext servletContext) {
      // snippet: embedding-servlet
      ServletRegistration.Dynamic reg = servletContext.addServlet("eventkit", new EventkitServlet(collector));
      reg.setAsyncSupported(true);     // the answer is written once the events are durable, on no container thread
      reg.addMapping("/eventkit/*");   // POST /eventkit/collect reaches the collector as /collect
      // end of snippet
    }
    // @formatter:on
  }

  @Test
  void theSnippetServesTheCollectorFromTomcat() throws Exception {
    InMemorySink sink = new InMemorySink("app");
    TomcatContainer tomcat = new TomcatContainer();
    try (Pipeline pipeline = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db"))).sink(sink)
        .build().start()) {
      Collector collector = Collector.builder(pipeline).input(SegmentInput.create()).build();
      int port = tomcat.start(new Application(collector), 4, dir);
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/eventkit/collect"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
                  + "\"messageId\":\"servlet-1\"}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      assertThat(sink.await(l -> !l.isEmpty(), Duration.ofSeconds(10))).extracting(Envelope::id)
          .containsExactly("servlet-1");
    } finally {
      tomcat.close();
    }
  }
}
