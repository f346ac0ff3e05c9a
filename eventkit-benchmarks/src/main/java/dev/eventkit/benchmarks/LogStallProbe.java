package dev.eventkit.benchmarks;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.Durability;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tail of durable {@code Pipeline.collect} on the SQLite log while retention deletes a large consumed backlog,
 * in process (no HTTP, so the figures do not depend on a load generator sharing the cores). It fills a fresh log
 * with {@code backlog} events, lets a discarding sink consume them, then runs {@code threads} clients that each
 * collect one event at a time and wait for its ack, for {@code seconds}; one second in, it asks the log to prune
 * everything consumed. It prints how long the prune took, the ack latencies of the whole run and of the calls that
 * overlapped the prune (p50, p99, p99.9, max), and the WAL file's size at the end.
 *
 * <p>Usage: {@code java -cp eventkit-benchmarks.jar dev.eventkit.benchmarks.LogStallProbe [backlog] [threads]
 * [seconds] [NORMAL|FULL]} (defaults 200000 16 8 NORMAL). A program, not thread-safe API.
 */
public final class LogStallProbe {

  private LogStallProbe() {}

  public static void main(String[] args) throws Exception {
    int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    Durability durability = args.length > 3 ? Durability.valueOf(args[3]) : Durability.NORMAL;
    Envelope envelope = TrackEvents.envelope();
    try (TempDirectory dir = new TempDirectory("eventkit-stall-probe")) {
      Path file = dir.path().resolve("events.db");
      SqliteRingBuffer log = SqliteRingBuffer.builder(file).durability(durability)
          .retention(RetentionPolicy.builder().maxRetainedEvents(0).cleanupInterval(Duration.ofHours(1)).build())
          .build();
      List<Envelope> chunk = Collections.nCopies(1_000, envelope);
      for (int i = 0; i < backlog / 1_000; i++) {
        log.append(chunk).join();
      }
      Pipeline pipeline = Pipeline.builder().ringBuffer(log).sink(new DiscardSink())
          .shutdownTimeout(Duration.ofSeconds(10)).build().start();
      long fillDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (log.stats().unconsumedEvents() > 0 && System.nanoTime() < fillDeadline) {
        Thread.sleep(100);
      }
      System.out.printf("backlog %d events consumed; %d clients for %d s, %s%n", log.lastSequence(), threads,
          seconds, durability);

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<long[]> starts = new ArrayList<>();
      List<long[]> latencies = new ArrayList<>();
      int[] counts = new int[threads];
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        long[] s = new long[4_000_000 / threads];
        long[] l = new long[s.length];
        starts.add(s);
        latencies.add(l);
        Thread c = new Thread(() -> {
          int n = 0;
          while (n < s.length) {
            long began = System.nanoTime();
            if (began >= end) {
              break;
            }
            pipeline.collect(envelope).join();
            s[n] = began;
            l[n] = System.nanoTime() - began;
            n++;
          }
          counts[me] = n;
        }, "probe-client-" + t);
        clients.add(c);
        c.start();
      }
      Thread.sleep(1_000);
      long pruneStart = System.nanoTime();
      log.prune().join();
      long pruneEnd = System.nanoTime();
      for (Thread c : clients) {
        c.join();
      }
      long total = 0;
      for (int n : counts) {
        total += n;
      }
      long[] all = new long[(int) total];
      List<Long> during = new ArrayList<>();
      int k = 0;
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < counts[t]; i++) {
          long began = starts.get(t)[i];
          long latency = latencies.get(t)[i];
          all[k++] = latency;
          if (began < pruneEnd && began + latency > pruneStart) {
            during.add(latency);
          }
        }
      }
      System.out.printf("prune of %d consumed events took %d ms%n", backlog,
          TimeUnit.NANOSECONDS.toMillis(pruneEnd - pruneStart));
      System.out.printf("acks: %d in %d s (%.0f/s); %s%n", total, seconds, (double) total / seconds,
          percentiles(all));
      System.out.printf("acks overlapping the prune: %d; %s%n", during.size(),
          percentiles(during.stream().mapToLong(Long::longValue).toArray()));
      Path wal = Path.of(file + "-wal");
      System.out.printf("WAL file at the end: %d KiB%n", Files.exists(wal) ? Files.size(wal) >> 10 : 0);
      pipeline.close();
    }
  }

  private static String percentiles(long[] latencies) {
    if (latencies.length == 0) {
      return "none";
    }
    Arrays.sort(latencies);
    return String.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", ms(latencies, 0.50),
        ms(latencies, 0.99), ms(latencies, 0.999), latencies[latencies.length - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }
}
