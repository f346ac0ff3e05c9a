package dev.eventkit.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's snippets cannot drift from code that compiles and runs: each block marked
 * {@code <!-- snippet: NAME -->} equals, line for line (indentation and blank lines aside), the region between a
 * {@code snippet: NAME} comment and the next {@code end of snippet} comment in exactly one source file of the project
 * (Java, YAML or XML), and every such region is quoted by the README. The tests around the regions run them.
 */
class ReadmeSnippetsTest {

  private static final Path ROOT = Path.of("..");

  /** README snippets that a test of their own checks instead of a source region, by the test that does. */
  private static final Map<String, String> CHECKED_ELSEWHERE = Map.of("bom", "BomTest (the build's version)",
      "embedding-spring-curl", "SpringCollectorApplicationTest (sends this request)");

  private static final Pattern README_BLOCK = Pattern.compile("<!-- snippet: ([\\w-]+) -->\\s*```\\w*\\n(.*?)```",
      Pattern.DOTALL);
  private static final Pattern REGION_START = Pattern.compile("^\\s*(?://|#|<!--)\\s*snippet: ([\\w-]+)");
  private static final Pattern REGION_END = Pattern.compile("^\\s*(?://|#|<!--)\\s*end of snippet");
  private static final Set<String> SKIPPED_DIRS = Set.of("target", "node_modules", ".git");

  @Test
  void everyReadmeSnippetIsTheRegionOfOneSourceFile() throws IOException {
    Map<String, String> readme = readmeSnippets();
    Map<String, List<Region>> regions = sourceRegions();
    assertThat(readme).as("the Embedding section's snippets").containsKeys("embedding", "embedding-servlet",
        "embedding-spring", "embedding-spring-yaml", "embedding-spring-curl", "embedding-micrometer",
        "embedding-testing", "bom");
    for (Map.Entry<String, String> snippet : readme.entrySet()) {
      if (CHECKED_ELSEWHERE.containsKey(snippet.getKey())) {
        assertThat(regions).as("%s is checked by %s", snippet.getKey(), CHECKED_ELSEWHERE.get(snippet.getKey()))
            .doesNotContainKey(snippet.getKey());
        continue;
      }
      List<Region> found = regions.getOrDefault(snippet.getKey(), List.of());
      assertThat(found).as("source regions marked 'snippet: %s'", snippet.getKey()).hasSize(1);
      assertThat(lines(snippet.getValue())).as("README snippet %s against %s", snippet.getKey(), found.get(0).file())
          .isEqualTo(lines(found.get(0).text()));
    }
    assertThat(readme.keySet()).as("source regions the README quotes").containsAll(regions.keySet());
  }

  /** A marked region of a source file. */
  private record Region(Path file, String text) {}

  private static Map<String, String> readmeSnippets() throws IOException {
    Map<String, String> out = new TreeMap<>();
    Matcher m = README_BLOCK.matcher(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8));
    while (m.find()) {
      assertThat(out.put(m.group(1), m.group(2))).as("README snippet %s appears once", m.group(1)).isNull();
    }
    return out;
  }

  private static Map<String, List<Region>> sourceRegions() throws IOException {
    Map<String, List<Region>> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path file : files.filter(ReadmeSnippetsTest::isSource).toList()) {
        regions(file, out);
      }
    }
    return out;
  }

  private static boolean isSource(Path file) {
    for (Path part : ROOT.relativize(file)) {
      if (SKIPPED_DIRS.contains(part.toString())) {
        return false;
      }
    }
    String name = file.getFileName().toString();
    return file.toString().contains("/src/") && Files.isRegularFile(file)
        && (name.endsWith(".java") || name.endsWith(".yml") || name.endsWith(".yaml") || name.endsWith(".xml"));
  }

  private static void regions(Path file, Map<String, List<Region>> out) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String name = null;
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      Matcher start = REGION_START.matcher(line);
      if (name == null && start.find()) {
        name = start.group(1);
        text.setLength(0);
      } else if (name != null && REGION_END.matcher(line).find()) {
        out.computeIfAbsent(name, k -> new ArrayList<>()).add(new Region(file, text.toString()));
        name = null;
      } else if (name != null) {
        text.append(line).append('\n');
      }
    }
    assertThat(name).as("%s: region %s has its end marker", file, name).isNull();
  }

  /** The non-blank lines, stripped: indentation differs between a README block and the code around a region. */
  private static List<String> lines(String block) {
    return block.lines().filter(l -> !l.isBlank()).map(String::strip).toList();
  }
}
