package dev.eventkit.gcp.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts, stops and restarts the Google Cloud emulators through the project's own scripts
 * ({@code scripts/test-servers/}), and reads the addresses they listen on. A server that cannot be started fails
 * the test loudly — integration tests never skip silently.
 *
 * <p>Servers keep running between test classes (starting an already running one is a no-op), so the suite pays
 * for each start once; {@link #restart} stops one and starts it again on the same port.
 */
public final class TestServers {

  private TestServers() {}

  /** Starts the named servers ({@code pubsub}, {@code firestore}, {@code gcs}, {@code bigquery}) if needed. */
  public static synchronized Map<String, String> start(String... names) {
    List<String> args = new ArrayList<>(List.of(names));
    run("start.sh", args);
    return env();
  }

  /** Stops one server, keeping its port for a later {@link #start}. */
  public static synchronized void stop(String name) {
    run("stop.sh", List.of(name));
  }

  /** Stops and starts one server on the same port; it comes back empty (emulators keep data in memory). */
  public static synchronized void restart(String name) {
    stop(name);
    start(name);
  }

  /** A value from the servers' env file, such as {@code PUBSUB_EMULATOR_HOST}; fails when absent. */
  public static String get(String key) {
    String v = env().get(key);
    if (v == null) {
      throw new IllegalStateException(key + " is not set: was its server started?");
    }
    return v;
  }

  /** The project id the emulators were started for. */
  public static String projectId() {
    return get("GCP_PROJECT_ID");
  }

  private static Path stateDir() {
    String dir = System.getenv("EVENTKIT_TEST_SERVERS_DIR");
    return Path.of(dir != null ? dir : "/tmp/eventkit-test-servers");
  }

  private static Map<String, String> env() {
    Path file = stateDir().resolve("env");
    Map<String, String> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("no test server env file at " + file, e);
    }
    return out;
  }

  private static Path scripts() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("scripts/test-servers");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("scripts/test-servers not found above " + Path.of("").toAbsolutePath());
  }

  private static void run(String script, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add("bash");
    command.add(scripts().resolve(script).toString());
    command.addAll(args);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(script + " " + args + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + script, e);
    }
  }
}
