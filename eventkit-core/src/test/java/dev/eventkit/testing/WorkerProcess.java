package dev.eventkit.testing;

import dev.eventkit.Pipeline;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline host in a JVM of its own, so that a test can SIGKILL it, with both sides of its protocol: the test
 * starts a main class on its own class path ({@link #start}); that main reads its {@code key=value} arguments
 * ({@link #arguments}) and hands its started pipeline to {@link #serve}, which says when it is ready and closes the
 * pipeline gracefully when its stdin ends. Used by the distributed-mode tests of the queue modules.
 */
public final class WorkerProcess implements AutoCloseable {

  private static final String READY = "worker ready";
  private static final String CLOSED = "worker closed";

  private final Process process;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> closedCleanly = new CompletableFuture<>();

  private WorkerProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.contains(READY)) {
            ready.complete(null);
          } else if (line.contains(CLOSED)) {
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

  /** Starts {@code main} with {@code args} in a new JVM on this test's class path; its stderr goes to the log. */
  public static WorkerProcess start(Class<?> main, List<String> args, Path logFile) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        main.getName()));
    command.addAll(args);
    return new WorkerProcess(new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start());
  }

  /** Waits until the worker's pipeline runs. */
  public void awaitReady() throws Exception {
    ready.get(90, TimeUnit.SECONDS);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook; nothing in flight is acknowledged, committed or flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Graceful: closing stdin makes the worker close its pipeline; true when it said so and exited 0. */
  public boolean closeGracefully() throws Exception {
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

  /** The worker side: its {@code key=value} arguments as a map. */
  public static Map<String, String> arguments(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      out.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return out;
  }

  /**
   * The worker side: says the started {@code pipeline} is ready, runs until the test closes stdin (or kills the
   * process), then closes the pipeline and says so.
   */
  public static void serve(Pipeline pipeline) throws IOException {
    System.out.println(READY);
    System.out.flush();
    while (System.in.read() != -1) {
      // runs until the parent closes stdin (graceful) or kills the process
    }
    pipeline.close();
    System.out.println(CLOSED);
    System.out.flush();
  }
}
