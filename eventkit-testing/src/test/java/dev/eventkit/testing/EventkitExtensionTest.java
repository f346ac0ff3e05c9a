package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension gives each test a running pipeline and collector; the assertions wait for deliveries. */
class EventkitExtensionTest {

  private static String track(String id) {
    return "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"" + id + "\"}";
  }

  @Nested
  class InMemory {

    @RegisterExtension
    EventkitExtension eventkit = EventkitExtension.inMemory()
        .pipeline(b -> b.interceptor(e -> e.toBuilder().attribute("seen", "yes").build()));

    @Test
    void aPostedEventReachesTheSink() throws Exception {
      HttpResponse response = eventkit.post("/collect", track("m1"));
      assertThat(response.status()).isEqualTo(202);
      EventkitAssertions.assertThat(eventkit.sink()).eventually().containsEventWithId("m1").hasSize(1);
      EventkitAssertions.assertThat(eventkit.sink()).anySatisfies(e -> "yes".equals(e.attributes().get("seen")),
          "was seen by the configured interceptor");
      assertThat(eventkit.dataDir()).isNull();
    }

    @Test
    void eachTestStartsEmpty() throws Exception {
      eventkit.collect(TestEvents.track("a"), TestEvents.track("b"));
      EventkitAssertions.assertThat(eventkit.sink()).eventually().hasSize(2).containsEventsWithIds("a", "b");
    }

    @Test
    void aWaitThatTimesOutFailsNamingWhatTheSinkHolds() throws Exception {
      eventkit.collect(TestEvents.track("present"));
      EventkitAssertions.assertThat(eventkit.sink()).eventually().hasSize(1);
      assertThatThrownBy(() -> EventkitAssertions.assertThat(eventkit.sink()).eventually(Duration.ofMillis(200))
          .containsEventWithId("absent")).isInstanceOf(AssertionError.class)
          .hasMessageContaining("<absent>").hasMessageContaining("within 200 ms").hasMessageContaining("[present]");
      assertThatThrownBy(() -> EventkitAssertions.assertThat(eventkit.sink()).hasSize(2))
          .isInstanceOf(AssertionError.class).hasMessageContaining("2 events");
    }
  }

  @Nested
  class Sqlite {

    static final AtomicReference<Path> DIR = new AtomicReference<>();

    @RegisterExtension
    EventkitExtension eventkit = EventkitExtension.sqlite();

    @Test
    void theLogIsARealSqliteFileInATemporaryDirectory() throws Exception {
      assertThat(eventkit.post("/collect", track("s1")).status()).isEqualTo(202);
      EventkitAssertions.assertThat(eventkit.sink()).eventually().containsEventWithId("s1");
      assertThat(eventkit.dataDir().resolve("wal.db")).isRegularFile();
      assertThat(eventkit.pipeline().status().log().lastSequence()).isEqualTo(1);
      DIR.set(eventkit.dataDir());
    }

    @AfterAll
    static void theDirectoryIsRemovedAfterTheTest() {
      assertThat(DIR.get()).isNotNull();
      assertThat(Files.exists(DIR.get())).isFalse();
    }
  }

  @Test
  void outsideATestTheAccessorsSaySo() {
    assertThatThrownBy(() -> EventkitExtension.inMemory().pipeline()).isInstanceOf(IllegalStateException.class);
  }
}
