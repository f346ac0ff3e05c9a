package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM lists every published module of the build at the build's version (it cannot inherit the version: it has
 * no parent, so that importing it brings no library pins along).
 */
class BomTest {

  /** Modules that are not published as libraries. */
  private static final Set<String> UNPUBLISHED = Set.of("eventkit-bom", "eventkit-examples", "eventkit-benchmarks");

  @Test
  void theBomListsEveryPublishedModuleAtTheProjectVersion() throws Exception {
    String parent = Files.readString(Path.of("..", "pom.xml"));
    String bom = Files.readString(Path.of("..", "eventkit-bom", "pom.xml"));
    List<String> published = new ArrayList<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
    while (m.find()) {
      if (!UNPUBLISHED.contains(m.group(1))) {
        published.add(m.group(1));
      }
    }
    assertThat(published).contains("eventkit-core", "eventkit-micrometer", "eventkit-testing");
    List<String> listed = new ArrayList<>();
    Matcher d = Pattern.compile(
        "<artifactId>(eventkit-[^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>")
        .matcher(bom);
    while (d.find()) {
      listed.add(d.group(1));
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(published);
    assertThat(version(bom, "eventkit-bom")).isEqualTo(version(parent, "eventkit-parent"));
  }

  @Test
  void theReadmeImportsTheBomAtTheProjectVersion() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = Pattern.compile("<!-- snippet: bom -->\\s*```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("the README has the BOM snippet").isTrue();
    String parent = Files.readString(Path.of("..", "pom.xml"));
    assertThat(version(m.group(1), "eventkit-bom")).isEqualTo(version(parent, "eventkit-parent"));
    assertThat(m.group(1)).contains("<type>pom</type>", "<scope>import</scope>");
  }

  private static String version(String pom, String artifactId) {
    Matcher m = Pattern.compile("<artifactId>" + artifactId + "</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(pom);
    assertThat(m.find()).as("%s's own version", artifactId).isTrue();
    return m.group(1);
  }
}
