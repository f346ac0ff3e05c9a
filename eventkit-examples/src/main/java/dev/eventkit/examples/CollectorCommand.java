package dev.eventkit.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The example collector's command line:
 * <pre>
 * eventkit-collector [--config FILE] [--print-config | --check-config]
 * eventkit-collector --help | --version
 * </pre>
 * Exit codes, for supervisors: {@value #OK} done (help, version, a valid configuration checked or printed, or the
 * server stopped by a signal); {@value #FAILURE} the server could not start (a port in use, a log that cannot be
 * opened, a broker or service refusing); {@value #USAGE} a bad command line or configuration (the message names the
 * option or key and the problem). Stateless; each call reads its arguments and environment afresh.
 */
public final class CollectorCommand {

  /** Success. */
  public static final int OK = 0;
  /** A runtime failure: the server could not start. */
  public static final int FAILURE = 1;
  /** A bad command line or configuration. */
  public static final int USAGE = 2;

  static final String HELP = String.join("\n",
      "Usage: eventkit-collector [--config FILE] [--print-config | --check-config]",
      "       eventkit-collector --help | --version",
      "",
      "Runs the eventkit collector: HTTP intake (Segment, Snowplow, self-describing JSON, CloudEvents, webhooks,",
      "pixels), a durable SQLite log, delivery to the configured sinks.",
      "",
      "Options:",
      "  --config FILE    read settings from this YAML file (default: the file EVENTKIT_CONFIG names, if any)",
      "  --print-config   print the effective configuration, secrets masked, and exit",
      "  --check-config   validate the configuration and exit",
      "  --version        print the version and exit",
      "  --help           print this text and exit",
      "",
      "Every setting can also be set by an environment variable: EVENTKIT_ and its path in upper case, e.g.",
      "EVENTKIT_SINKS_GCS_BUCKET for sinks.gcs.bucket; variables win over the file. A secret (security.write_keys,",
      "security.admin_key) may be read from the file its variable with _FILE names.",
      "",
      "Exit codes: 0 done, 1 the server could not start, 2 bad command line or configuration.",
      "");

  /** The outcome of a command: its exit code, and the server when one was started (then still running). */
  public record Outcome(int exitCode, CollectorServer server) {}

  private CollectorCommand() {}

  /** Runs the command line {@code args} against the environment {@code env}; never calls {@code System.exit}. */
  public static Outcome run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Path file = null;
    boolean print = false;
    boolean check = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--help", "-h" -> {
          out.print(HELP);
          return new Outcome(OK, null);
        }
        case "--version" -> {
          out.println("eventkit-collector " + version());
          return new Outcome(OK, null);
        }
        case "--print-config" -> print = true;
        case "--check-config" -> check = true;
        case "--config" -> {
          if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            return usage(err, "--config needs a file");
          }
          file = Path.of(args[++i]);
        }
        default -> {
          if (args[i].startsWith("--config=")) {
            file = Path.of(args[i].substring("--config=".length()));
          } else {
            return usage(err, "unknown option " + args[i]);
          }
        }
      }
    }
    CollectorConfig config;
    try {
      config = CollectorConfig.load(file, env);
    } catch (IllegalArgumentException e) {
      err.println("eventkit: configuration error: " + e.getMessage());
      return new Outcome(USAGE, null);
    }
    if (print) {
      out.print(config.source().render());
    }
    if (print || check) {
      config.warnings().forEach(w -> err.println("eventkit: warning: " + w));
      if (check) {
        out.println("configuration ok");
      }
      return new Outcome(OK, null);
    }
    CollectorLogging.apply(config.jsonLogs(), config.logLevel());
    try {
      CollectorServer server = CollectorServer.start(config);
      // The bound port on stdout, so that scripts and tests starting it with port 0 can find it.
      out.println("eventkit collector listening on port " + server.port());
      out.flush();
      return new Outcome(OK, server);
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(CollectorCommand.class).error("the collector could not start", e);
      err.println("eventkit: the collector could not start: " + e);
      return new Outcome(FAILURE, null);
    }
  }

  private static Outcome usage(PrintStream err, String problem) {
    err.println("eventkit: " + problem);
    err.println("Try --help.");
    return new Outcome(USAGE, null);
  }

  /** The build's version, or {@code unknown} when run from unfiltered classes. */
  static String version() {
    try (InputStream in = CollectorCommand.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
