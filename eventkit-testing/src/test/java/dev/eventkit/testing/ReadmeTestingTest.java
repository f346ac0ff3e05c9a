package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's eventkit-testing example: the code between the markers below is the README's snippet, line for line
 * (the first test checks that), and it runs here as a test.
 */
class ReadmeTestingTest {

  @Test
  void theReadmeSnippetIsTheCodeThisTestRuns() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("<!-- snippet: embedding-testing -->\\s*```java\\n(.*?)```", Pattern.DOTALL)
        .matcher(readme);
    assertThat(m.find()).as("the README has the eventkit-testing snippet").isTrue();
    String source = Files.readString(Path.of("src/test/java/dev/eventkit/testing/ReadmeTestingTest.java"));
    Matcher t = Pattern.compile("// snippet: embedding-testing\\n(.*?)\\n\\s*// end of snippet", Pattern.DOTALL)
        .matcher(source);
    assertThat(t.find()).isTrue();
    assertThat(lines(m.group(1))).isEqualTo(lines(t.group(1)));
  }

  private static List<String> lines(String block) {
    List<String> out = new ArrayList<>();
    for (String line : block.split("\n")) {
      if (!line.isBlank()) {
        out.add(line.strip());
      }
    }
    return out;
  }

  // @formatter:off (the README quotes these lines as they are)

  // snippet: embedding-testing
  @RegisterExtension
  EventkitExtension eventkit = EventkitExtension.inMemory();

  @Test
  void aTrackedEventIsDelivered() throws Exception {
    eventkit.post("/collect", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m1\"}");
    EventkitAssertions.assertThat(eventkit.sink()).eventually().containsEventWithId("m1").hasSize(1);
  }
  // end of snippet
  // @formatter:on
}
