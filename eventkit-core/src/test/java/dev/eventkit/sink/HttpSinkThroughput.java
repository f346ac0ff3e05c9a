package dev.eventkit.sink;

import com.sun.net.httpserver.HttpServer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures {@link HttpSink} into a JDK HTTP server on loopback that reads and discards each body: events per
 * second for batches of 500, NDJSON plain and gzip, with 1 and 4 batches outstanding. Arguments:
 * {@code [events]} (default 200000). Run from the module's test classpath; see eventkit-benchmarks/README.md.
 */
public final class HttpSinkThroughput {

  private HttpSinkThroughput() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = 500;
    AtomicLong bytes = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    server.setExecutor(threads);
    server.createContext("/", ex -> {
      try (ex; InputStream in = ex.getRequestBody()) {
        bytes.addAndGet(in.readAllBytes().length);
        ex.sendResponseHeaders(200, -1);
      }
    });
    server.start();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
    System.out.println("encoded envelope: " + EnvelopeCodec.encode(event("x")).length + " bytes");
    try {
      for (int pass = 0; pass < 2; pass++) {
        for (boolean gzip : new boolean[] {false, true}) {
          for (int outstanding : new int[] {1, 4}) {
            HttpSink sink = HttpSink.builder(url).gzip(gzip).build();
            bytes.set(0);
            long t0 = System.nanoTime();
            List<CompletableFuture<WriteResult>> inFlight = new ArrayList<>();
            for (int i = 0; i < events; i += batch) {
              List<Envelope> b = new ArrayList<>(batch);
              for (int j = i; j < Math.min(events, i + batch); j++) {
                b.add(event("e" + j));
              }
              inFlight.add(sink.write(b));
              if (inFlight.size() >= outstanding) {
                check(inFlight.remove(0).get(60, TimeUnit.SECONDS));
              }
            }
            for (CompletableFuture<WriteResult> f : inFlight) {
              check(f.get(60, TimeUnit.SECONDS));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("pass=%d gzip=%b outstanding=%d batch=%d events=%d body-bytes=%d seconds=%.2f "
                + "events/s=%.0f%n", pass, gzip, outstanding, batch, events, bytes.get(), seconds, events / seconds);
          }
        }
      }
    } finally {
      server.stop(0);
      threads.shutdownNow();
    }
  }

  private static void check(WriteResult r) {
    if (!r.isSuccess()) {
      throw new IllegalStateException("write failed: " + r);
    }
  }

  private static Envelope event(String id) {
    return Envelope.builder().id(id).protocol("segment").receivedAt(Instant.now()).sentAt(Instant.now())
        .clientIp("203.0.113.7")
        .userAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
        .payloadJson("{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-1\",\"messageId\":\"" + id
            + "\",\"properties\":{\"orderId\":\"o-1\",\"total\":27.5,\"currency\":\"EUR\",\"products\":3},"
            + "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},"
            + "\"page\":{\"path\":\"/checkout\",\"url\":\"https://shop.example/checkout\"}}}")
        .build();
  }
}
