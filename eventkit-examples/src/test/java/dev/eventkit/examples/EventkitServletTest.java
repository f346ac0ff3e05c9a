package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.event.Envelope;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.http.Collector;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The servlet adapter in a real container (embedded Tomcat), spoken to over real HTTP. */
class EventkitServletTest {

  @TempDir
  Path dir;

  private Tomcat tomcat;
  private Pipeline pipeline;
  private InMemorySink sink;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    sink = new InMemorySink("memory");
    pipeline = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db"))).sink(sink)
        .build().start();
    tomcat = new Tomcat();
    tomcat.setBaseDir(dir.resolve("tomcat").toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", dir.toString());
    Wrapper w = Tomcat.addServlet(context, "eventkit",
        new EventkitServlet(Collector.builder(pipeline).input(SegmentInput.create()).input(PixelInput.create()).maxBodyBytes(2048).build()));
    w.setAsyncSupported(true);
    context.addServletMappingDecoded("/*", "eventkit");
    tomcat.start();
  }

  @AfterEach
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    pipeline.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + tomcat.getConnector().getLocalPort() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eventsArriveThroughTheServlet() throws Exception {
    HttpResponse<String> r = post("/collect/web", "{\"type\":\"page\",\"anonymousId\":\"a1\",\"messageId\":\"s-1\"}");
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
    assertThat(e.id()).isEqualTo("s-1");
    assertThat(e.stream()).isEqualTo("web");
    assertThat(e.clientIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void badInputGetsTheSameJsonErrorsAsAnyHost() throws Exception {
    HttpResponse<String> bad = post("/collect", "{\"type\":");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("\"code\":\"malformed_json\"");
    HttpResponse<String> big = post("/collect", "{\"a\":\"" + "x".repeat(5000) + "\"}");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(post("/elsewhere", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + tomcat.getConnector().getLocalPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
  }

  @Test
  void aStrayPercentInTheQueryReachesTheCollectorAndIsKeptLiterally() throws Exception {
    // The JDK's own server answers this request line with HTML before any handler runs; a servlet container
    // passes the raw query through, and the collector decodes it leniently.
    String response;
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", tomcat.getConnector().getLocalPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /pixel/open?page=100%&off=50%25%20off% HTTP/1.1\r\nHost: x\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    assertThat(response).startsWith("HTTP/1.1 200").contains("image/gif");
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(5)).get(0);
    assertThat(e.payload().get("page").asText()).isEqualTo("100%");
    assertThat(e.payload().get("off").asText()).isEqualTo("50% off%");
  }
}
