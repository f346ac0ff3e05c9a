package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is {@link ConfigKeys#markdownTable()} (run with
 * {@code -Deventkit.readme.update=true} to rewrite it), and every key of the table is read by the collector's
 * settings, so that neither the table nor the keys can drift from the code.
 */
class ConfigTableTest {

  private static final Path README = Path.of("README.md");
  private static final String BEGIN = "<!-- configuration table: generated from ConfigKeys by ConfigTableTest -->\n";
  private static final String END = "<!-- end of configuration table -->";

  @Test
  void theReadmeTableIsTheOneTheKeysMake() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    assertThat(begin).as("the table's begin marker in " + README).isNotNegative();
    assertThat(end).as("the table's end marker").isGreaterThan(begin);
    String expected = ConfigKeys.markdownTable();
    String actual = readme.substring(begin + BEGIN.length(), end);
    if (!actual.equals(expected) && Boolean.getBoolean("eventkit.readme.update")) {
      Files.writeString(README, readme.substring(0, begin + BEGIN.length()) + expected + readme.substring(end),
          StandardCharsets.UTF_8);
      return;
    }
    assertThat(actual).as("the README's table (rerun with -Deventkit.readme.update=true)").isEqualTo(expected);
  }

  @Test
  void everyKeyIsReadByTheSettings() throws Exception {
    Set<String> read = new HashSet<>();
    Pattern variable = Pattern.compile("\"(EVENTKIT_[A-Z0-9_]+)\"");
    for (String source : new String[] {"CollectorConfig", "GcpConfig", "SecurityConfig", "KafkaConfig",
        "ToolsConfig"}) {
      Matcher m = variable.matcher(Files.readString(
          Path.of("src/main/java/dev/eventkit/examples/" + source + ".java"), StandardCharsets.UTF_8));
      while (m.find()) {
        read.add(m.group(1));
      }
    }
    for (String input : CollectorConfig.INPUTS) {
      read.add("EVENTKIT_INPUTS_" + input.toUpperCase(java.util.Locale.ROOT) + "_ENABLED");
    }
    for (ConfigKey k : ConfigKeys.all()) {
      assertThat(read).as(k.path() + " is read somewhere").contains(k.envName());
    }
  }
}
