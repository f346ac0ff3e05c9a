package dev.eventkit.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@link KafkaWorkerMain} in a JVM of its own, so that a test can kill it with SIGKILL. */
final class KafkaWorkerProcess implements AutoCloseable {

  private final Process process;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> closedCleanly = new CompletableFuture<>();

  private KafkaWorkerProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.contains("worker ready")) {
            ready.complete(null);
          } else if (line.contains("worker closed")) {
            closedCleanly.complete(null);
          }
        }
      } catch (IOException e) {
        // the process died
      }
      ready.completeExceptionally(new IllegalStateException("worker exited before it was ready"));
    });
    reader.setDaemon(true);
    reader.start();
  }

  static KafkaWorkerProcess start(List<String> args, Path logFile) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        KafkaWorkerMain.class.getName()));
    command.addAll(args);
    return new KafkaWorkerProcess(new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start());
  }

  void awaitReady() throws Exception {
    ready.get(90, TimeUnit.SECONDS);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no commit, no flush. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Graceful: closing stdin makes the worker close its pipeline; true when it said so and exited 0. */
  boolean closeGracefully() throws Exception {
    process.getOutputStream().close();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    return exited && process.exitValue() == 0 && closedCleanly.isDone();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
