package dev.eventkit.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The example collector in a JVM of its own, so that a test can kill it with SIGKILL. */
final class CollectorProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  private final Process process;
  private final int port;

  private CollectorProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static CollectorProcess start(Path dataDir, Path logFile) throws Exception {
    return start(Map.of("EVENTKIT_DATA_DIR", dataDir.toString()), logFile);
  }

  /** Starts the collector on a free loopback port with {@code env} added to this JVM's environment. */
  static CollectorProcess start(Map<String, String> env, Path logFile) throws Exception {
    ProcessBuilder pb = command(List.of()).redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().put("EVENTKIT_PORT", "0");
    pb.environment().put("EVENTKIT_HOST", "127.0.0.1");
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
        port.completeExceptionally(new IllegalStateException("collector exited before listening"));
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
    });
    reader.setDaemon(true);
    reader.start();
    return new CollectorProcess(p, port.get(60, TimeUnit.SECONDS));
  }

  /** The collector's main in a new JVM with {@code args}. */
  static ProcessBuilder command(List<String> args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        CollectorServer.class.getName()));
    command.addAll(args);
    return new ProcessBuilder(command);
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no flush, no close. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        // Leave no process behind, and keep the caller's thread interrupted.
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
