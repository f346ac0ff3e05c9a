package dev.eventkit.gcp.testing;

import dev.eventkit.testing.TestServerScripts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    TestServerScripts.run("start.sh", args);
    return TestServerScripts.env();
  }

  /** Stops one server, keeping its port for a later {@link #start}. */
  public static synchronized void stop(String name) {
    TestServerScripts.run("stop.sh", List.of(name));
  }

  /** Stops and starts one server on the same port; it comes back empty (emulators keep data in memory). */
  public static synchronized void restart(String name) {
    stop(name);
    start(name);
  }

  /** A value from the servers' env file, such as {@code PUBSUB_EMULATOR_HOST}; fails when absent. */
  public static String get(String key) {
    String v = TestServerScripts.env().get(key);
    if (v == null) {
      throw new IllegalStateException(key + " is not set: was its server started?");
    }
    return v;
  }

  /** The project id the emulators were started for. */
  public static String projectId() {
    return get("GCP_PROJECT_ID");
  }
}
