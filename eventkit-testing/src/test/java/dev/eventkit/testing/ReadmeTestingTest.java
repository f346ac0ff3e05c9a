package dev.eventkit.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's eventkit-testing example: the code between the markers below is the README's snippet, line for line
 * (eventkit-examples' {@code ReadmeSnippetsTest} checks that), and it runs here as a test.
 */
class ReadmeTestingTest {

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
