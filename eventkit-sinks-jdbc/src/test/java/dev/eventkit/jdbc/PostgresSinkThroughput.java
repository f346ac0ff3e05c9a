package dev.eventkit.jdbc;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.sink.WriteResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Measures {@link PostgresSink} into a local PostgreSQL server started for the run (fsync on, as in production):
 * events per second for batches of 500, with 1 and 4 batches outstanding. Arguments: {@code [events]} (default
 * 100000). Run from the module's test classpath; see eventkit-benchmarks/README.md.
 */
public final class PostgresSinkThroughput {

  private PostgresSinkThroughput() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int batch = 500;
    try (LocalPostgres pg = new LocalPostgres(true)) {
      System.out.println("encoded envelope: " + EnvelopeCodec.encode(event("x", 0)).length + " bytes");
      int round = 0;
      for (int outstanding : new int[] {1, 4, 1, 4}) {
        round++;
        String prefix = "bench" + round + "_";
        try (PostgresSink sink = PostgresSink.builder(pg.jdbcUrl()).user(LocalPostgres.USER).tablePrefix(prefix)
            .poolSize(outstanding).build()) {
          sink.write(List.of(event("warm", round))).get(30, TimeUnit.SECONDS); // creates the table
          long t0 = System.nanoTime();
          List<CompletableFuture<WriteResult>> inFlight = new ArrayList<>();
          for (int i = 0; i < events; i += batch) {
            List<Envelope> b = new ArrayList<>(batch);
            for (int j = i; j < Math.min(events, i + batch); j++) {
              b.add(event("e" + j, round));
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
          long rows;
          try (Connection c = pg.connect();
              Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT count(*) FROM " + prefix + "default")) {
            rs.next();
            rows = rs.getLong(1);
          }
          System.out.printf("outstanding=%d batch=%d events=%d rows=%d seconds=%.2f events/s=%.0f%n", outstanding,
              batch, events, rows, seconds, events / seconds);
        }
      }
    }
  }

  private static void check(WriteResult r) {
    if (!r.isSuccess()) {
      throw new IllegalStateException("write failed: " + r);
    }
  }

  static Envelope event(String id, int round) {
    return Envelope.builder().id(id).protocol("segment").receivedAt(Instant.now()).sentAt(Instant.now())
        .clientIp("203.0.113.7")
        .userAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
        .payloadJson("{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-" + round + "\","
            + "\"messageId\":\"" + id + "\",\"properties\":{\"orderId\":\"o-1\",\"total\":27.5,\"currency\":\"EUR\","
            + "\"products\":3},\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},"
            + "\"page\":{\"path\":\"/checkout\",\"url\":\"https://shop.example/checkout\"}}}")
        .build();
  }
}
