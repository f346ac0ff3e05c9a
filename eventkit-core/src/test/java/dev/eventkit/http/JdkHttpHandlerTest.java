package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.input.TestCollector;
import dev.eventkit.input.pixel.PixelInput;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JDK server adapter, spoken to byte for byte over a socket. */
class JdkHttpHandlerTest {

  private TestCollector server;

  @BeforeEach
  void start() {
    server = new TestCollector(PixelInput.create());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Sends one request as raw bytes and returns the raw response. */
  private String exchange(byte[] request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.uri("/").getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static byte[] get(String target, byte[] rawTail) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("GET " + target).getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(rawTail);
    b.writeBytes(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return b.toByteArray();
  }

  @Test
  void rawUtf8BytesInTheQueryAreDecodedAsUtf8NotLatin1() throws Exception {
    // The JDK server turns request-line bytes into chars one to one (ISO-8859-1): without care 'é' arrives as "Ã©".
    String response = exchange(get("/pixel/open?who=caf", "\u00e9&x=%41".getBytes(StandardCharsets.UTF_8)));
    assertThat(response).startsWith("HTTP/1.1 200");
    List<Envelope> got = server.flushValid();
    assertThat(got).hasSize(1);
    assertThat(got.get(0).payload().get("who").asText()).isEqualTo("café");
    assertThat(got.get(0).payload().get("x").asText()).isEqualTo("A");
  }
}
