package dev.eventkit.testing;

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
 * Runs the project's test-server scripts ({@code scripts/test-servers/}: the Google Cloud emulators, the Kafka
 * broker) and reads the {@code env} file they write in their state directory ({@code EVENTKIT_TEST_SERVERS_DIR},
 * {@code /tmp/eventkit-test-servers} by default). A script that fails fails the test loudly, with its output.
 */
public final class TestServerScripts {

  private TestServerScripts() {}

  /** Runs {@code script} (e.g. {@code start.sh}) with {@code args}; throws with its output when it fails. */
  public static void run(String script, List<String> args) {
    List<String> command = new ArrayList<>(List.of("bash", scripts().resolve(script).toString()));
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

  /** The scripts' state directory (pid, port and log files, and {@code env}). */
  public static Path stateDir() {
    String dir = System.getenv("EVENTKIT_TEST_SERVERS_DIR");
    return Path.of(dir != null ? dir : "/tmp/eventkit-test-servers");
  }

  /** The {@code KEY=VALUE} lines of the {@code env} file; fails when there is none. */
  public static Map<String, String> env() {
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
}
