package dev.eventkit.benchmarks;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP load driver for a collector running on this machine: {@code --clients} threads each send one request at
 * a time ({@link TrackEvents#BODY} with a fresh {@code messageId} per event, {@code --batch} events per request)
 * until {@code --requests} have been sent or {@code --max-seconds} have passed, then it prints requests/s, accepted
 * events/s, status counts and latency percentiles.
 *
 * <p>Bounded by construction: no request starts after the run's deadline, and a request still in flight then gets
 * {@value #GRACE_SECONDS} s more before it counts as a timeout, so the driver stops by itself; it refuses
 * targets that are not loopback addresses (see {@link LoadOptions}). Exit status: 0 when at least one
 * request was accepted, 1 when none was, 2 for bad arguments.
 *
 * <p>{@link #run} may be called from any thread; each call uses its own client and threads.
 */
public final class LoadDriver {

  private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int GRACE_SECONDS = 5;

  private LoadDriver() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(LoadOptions.USAGE);
      return;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LoadDriver: " + e.getMessage());
      System.err.println(LoadOptions.USAGE);
      System.exit(2);
      return;
    }
    LoadResult result = run(options);
    System.out.print(result.format());
    System.exit(result.accepted() > 0 ? 0 : 1);
  }

  /** Runs the load and returns once every client has stopped. */
  public static LoadResult run(LoadOptions options) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    AtomicLong issued = new AtomicLong();
    LongAdder acceptedEvents = new LongAdder();
    AtomicBoolean stoppedByTime = new AtomicBoolean();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(options.maxSeconds());
    ExecutorService pool = Executors.newFixedThreadPool(options.clients(), r -> {
      Thread t = new Thread(r, "load-client");
      t.setDaemon(true);
      return t;
    });
    List<Future<long[]>> clients = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      clients.add(pool.submit(() -> runClient(client, options, issued, deadline, outcomes, acceptedEvents,
          stoppedByTime)));
    }
    pool.shutdown();
    List<long[]> latencies = new ArrayList<>();
    try {
      // Requests time out by the deadline plus the grace, so clients end soon after it; the slack is a backstop.
      if (!pool.awaitTermination(options.maxSeconds() + 60L, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
      for (Future<long[]> f : clients) {
        if (f.isDone() && !f.isCancelled()) {
          latencies.add(f.get());
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a load client failed", e.getCause());
    }
    long elapsed = System.nanoTime() - start;
    Map<String, Long> counts = new TreeMap<>();
    outcomes.forEach((k, v) -> counts.put(k, v.sum()));
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
    return new LoadResult(options, elapsed, counts, acceptedEvents.sum(), all, stoppedByTime.get());
  }

  private static long[] runClient(HttpClient client, LoadOptions options, AtomicLong issued, long deadline,
      Map<String, LongAdder> outcomes, LongAdder acceptedEvents, AtomicBoolean stoppedByTime) {
    long[] latencies = new long[64];
    int n = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= deadline) {
        stoppedByTime.set(true);
        break;
      }
      if (issued.getAndIncrement() >= options.requests()) {
        break;
      }
      // A request still running at the deadline is let finish (within the grace) rather than counted a timeout.
      long left = deadline - now + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
      Duration timeout = Duration.ofNanos(Math.min(left, MAX_REQUEST_TIMEOUT.toNanos()));
      HttpRequest request = HttpRequest.newBuilder(options.url())
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .header("User-Agent", "eventkit-load-driver")
          .POST(HttpRequest.BodyPublishers.ofString(body(options.batch())))
          .build();
      long sent = System.nanoTime();
      String outcome;
      try {
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        outcome = Integer.toString(response.statusCode());
        if (response.statusCode() / 100 == 2) {
          acceptedEvents.add(options.batch());
        }
      } catch (HttpTimeoutException e) {
        outcome = "timeout";
      } catch (IOException e) {
        outcome = "io_error";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (n == latencies.length) {
        latencies = Arrays.copyOf(latencies, n * 2);
      }
      latencies[n++] = System.nanoTime() - sent;
      outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }
    return Arrays.copyOf(latencies, n);
  }

  /** One event as a JSON object, or several as a JSON array, each with its own message id. */
  static String body(int batch) {
    if (batch == 1) {
      return event();
    }
    StringBuilder b = new StringBuilder(batch * (TrackEvents.BODY.length() + 1) + 2).append('[');
    for (int i = 0; i < batch; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(event());
    }
    return b.append(']').toString();
  }

  private static String event() {
    return TrackEvents.BODY.replace(TrackEvents.MESSAGE_ID, UUID.randomUUID().toString());
  }
}
