package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line and its exit codes: in process, and through {@code main} in a JVM of its own. */
class CollectorCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private CollectorCommand.Outcome run(Map<String, String> env, String... args) {
    CollectorCommand.Outcome o = CollectorCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    if (o.server() != null) {
      o.server().close();
    }
    return o;
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpAndVersionPrintAndExitZeroWithoutStartingAServer() {
    CollectorCommand.Outcome help = run(Map.of(), "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.server()).isNull();
    assertThat(out()).contains("Usage: eventkit-collector").contains("--print-config").contains("Exit codes");
    out.reset();
    assertThat(run(Map.of(), "--version").exitCode()).isZero();
    assertThat(out()).matches("eventkit-collector \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
  }

  @Test
  void aBadCommandLineOrConfigurationExitsTwoNamingTheProblem() throws Exception {
    assertThat(run(Map.of(), "--serve").exitCode()).isEqualTo(CollectorCommand.USAGE);
    assertThat(err()).contains("unknown option --serve");
    assertThat(run(Map.of(), "--config").exitCode()).isEqualTo(2);
    assertThat(run(Map.of(), "--config", dir.resolve("nope.yml").toString(), "--check-config").exitCode())
        .isEqualTo(2);
    assertThat(err()).contains("nope.yml does not exist");
    Path bad = dir.resolve("bad.yml");
    Files.writeString(bad, "ring_buffer:\n  synchronous: sometimes\n");
    assertThat(run(Map.of(), "--config", bad.toString(), "--check-config").exitCode()).isEqualTo(2);
    assertThat(err()).contains("configuration error: ring_buffer.synchronous (set in bad.yml) must be");
  }

  @Test
  void checkAndPrintValidateWithoutStartingAndMaskSecrets() {
    Map<String, String> env = Map.of("EVENTKIT_WRITE_KEYS", "wk_never_printed_9", "EVENTKIT_SINKS_GCS_BUKET", "b");
    CollectorCommand.Outcome check = run(env, "--config", ConfigFileTest.SAMPLE.toString(), "--check-config");
    assertThat(check.exitCode()).isZero();
    assertThat(out()).contains("configuration ok");
    assertThat(err()).contains("warning: unknown variable EVENTKIT_SINKS_GCS_BUKET");
    out.reset();
    assertThat(run(env, "--config=" + ConfigFileTest.SAMPLE, "--print-config").exitCode()).isZero();
    assertThat(out()).contains("  host: \"127.0.0.1\"  # eventkit.yml").contains("  port: \"8080\"  # eventkit.yml")
        .contains("write_keys: \"********\"  # EVENTKIT_WRITE_KEYS").doesNotContain("wk_never_printed_9");
  }

  @Test
  void aServerThatCannotStartExitsOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CollectorCommand.Outcome o = run(Map.of("EVENTKIT_HOST", "127.0.0.1",
          "EVENTKIT_PORT", Integer.toString(taken.getLocalPort()), "EVENTKIT_DATA_DIR", dir.toString()));
      assertThat(o.exitCode()).isEqualTo(CollectorCommand.FAILURE);
      assertThat(o.server()).isNull();
      assertThat(err()).contains("the collector could not start");
    }
  }

  @Test
  void mainExitsWithTheCommandsCode() throws Exception {
    Process help = CollectorProcess.command(List.of("--help")).redirectErrorStream(true).start();
    String helpText = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(helpText).contains("Usage: eventkit-collector");
    ProcessBuilder bad = CollectorProcess.command(List.of("--check-config")).redirectErrorStream(true);
    bad.environment().put("EVENTKIT_PORT", "eighty");
    Process p = bad.start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(text).contains("server.port (set by EVENTKIT_PORT) must be a whole number");
  }
}
