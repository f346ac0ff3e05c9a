package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The browser tests' tooling in {@code src/test/browser}: Chromium and the npm packages its {@code install.sh}
 * installs, and the puppeteer drivers beside it, run as processes.
 */
final class BrowserTooling {

  /** The directory of the install script and the drivers. */
  static final Path DIR = Path.of("src/test/browser").toAbsolutePath();

  private BrowserTooling() {}

  /**
   * Runs the install script; returns the Chromium executable. Skips the calling test only when Chromium cannot be
   * installed; any other install failure fails it.
   */
  static String installChromium() throws Exception {
    Process p = new ProcessBuilder("bash", DIR.resolve("install.sh").toString()).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream()).trim();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("install.sh finished").isTrue();
    String log = err.get(1, TimeUnit.MINUTES);
    String tail = log.substring(Math.max(0, log.length() - 2000));
    Assumptions.assumeFalse(p.exitValue() == 3, "SKIPPED: Chromium cannot be installed here: " + tail);
    assertThat(p.exitValue()).as("install.sh failed:\n" + tail).isZero();
    return out.substring(out.lastIndexOf('\n') + 1);
  }

  /**
   * Runs {@code node <driver> <arguments…>} in {@link #DIR} for at most 90 s; returns the lines of its standard output
   * that are JSON objects (the driver's reports), failing the test when it failed or did not finish.
   */
  static List<String> runDriver(String driver, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", driver));
    command.addAll(List.of(arguments));
    Process p = new ProcessBuilder(command).directory(DIR.toFile()).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the browser driver did not finish in 90 s");
    }
    String stdout = out.get(10, TimeUnit.SECONDS);
    String stderr = err.get(10, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as("driver failed:\n" + stdout + "\n" + stderr).isZero();
    List<String> reports = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (line.startsWith("{")) {
        reports.add(line);
      }
    }
    return reports;
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      return buf.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
