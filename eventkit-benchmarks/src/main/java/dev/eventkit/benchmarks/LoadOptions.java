package dev.eventkit.benchmarks;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one {@link LoadDriver} run does: the target, how many clients, how many requests at most, how many events a
 * request carries and how long the run may last. Immutable and thread-safe.
 *
 * <p>{@link #parse} throws {@link IllegalArgumentException} naming the bad option. The target must be a loopback
 * address ({@code localhost}, {@code 127.0.0.0/8} or {@code [::1]}): the driver is for measuring a collector on
 * this machine, never for loading someone else's. Host names other than {@code localhost} are refused without
 * being looked up.
 *
 * @param url the collect endpoint, such as {@code http://127.0.0.1:8080/collect}
 * @param clients concurrent clients, each sending one request at a time (1..1024)
 * @param requests the most requests sent in total (1..10,000,000)
 * @param batch events per request: 1 sends one JSON object, more send a JSON array (1..1000)
 * @param maxSeconds the run stops after this long even if requests are left (1..3600)
 */
public record LoadOptions(URI url, int clients, int requests, int batch, int maxSeconds) {

  /** The command-line help. */
  public static final String USAGE = "usage: LoadDriver [--url http://127.0.0.1:8080/collect] [--clients 16] "
      + "[--requests 50000] [--batch 1] [--max-seconds 60]\n"
      + "  Sends Segment track events to a collector on this machine (loopback targets only) and reports\n"
      + "  requests/s, events/s, status codes and latency percentiles. Stops after --requests or --max-seconds.";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  public LoadOptions {
    Objects.requireNonNull(url, "url");
    requireLoopback(url);
    requireRange("--clients", clients, 1, 1024);
    requireRange("--requests", requests, 1, 10_000_000);
    requireRange("--batch", batch, 1, 1000);
    requireRange("--max-seconds", maxSeconds, 1, 3600);
  }

  /** Reads {@code --name value} pairs; options not given take the defaults shown in {@link #USAGE}. */
  public static LoadOptions parse(String... args) {
    String url = "http://127.0.0.1:8080/collect";
    int clients = 16;
    int requests = 50_000;
    int batch = 1;
    int maxSeconds = 60;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(name.startsWith("--") ? name + " needs a value" : "unknown argument "
            + name);
      }
      String value = args[++i];
      switch (name) {
        case "--url":
          url = value;
          break;
        case "--clients":
          clients = number(name, value);
          break;
        case "--requests":
          requests = number(name, value);
          break;
        case "--batch":
          batch = number(name, value);
          break;
        case "--max-seconds":
          maxSeconds = number(name, value);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + name);
      }
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--url is not a URL: " + e.getMessage());
    }
    return new LoadOptions(uri, clients, requests, batch, maxSeconds);
  }

  private static int number(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
    }
  }

  private static void requireRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
    }
  }

  private static void requireLoopback(URI url) {
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException("--url must be an http:// or https:// URL");
    }
    String host = url.getHost();
    if (host == null) {
      throw new IllegalArgumentException("--url names no host");
    }
    boolean literal = IPV4.matcher(host).matches() || host.startsWith("[");
    if (!literal && !host.equalsIgnoreCase("localhost")) {
      throw new IllegalArgumentException("--url must point at this machine (localhost, 127.x.x.x or [::1]); "
          + "refusing " + host);
    }
    try {
      // A literal is parsed, not looked up; "localhost" resolves from the hosts file.
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          throw new IllegalArgumentException("--url must point at a loopback address; " + host + " is not one");
        }
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--url host cannot be resolved: " + host);
    }
  }
}
