package dev.eventkit.gcp.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.sink.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A publisher that may not create topics ({@code pubsub.topics.create} missing: PERMISSION_DENIED), against
 * {@link FakePublisherApi} with the real client library: the failed repair must not stop publishing for good — once
 * the topic exists again (an operator created it), writes go through.
 */
class TopicRepairTest {

  private FakePublisherApi fake;

  @BeforeEach
  void start() throws Exception {
    fake = new FakePublisherApi();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private static List<Envelope> events(String prefix) {
    return List.of(Envelope.builder().id(prefix + "-1").protocol("segment").stream("web")
        .payloadJson("{\"type\":\"track\"}").receivedAt(Instant.parse("2026-06-01T12:00:00Z"))
        .collector(new CollectorInfo("eventkit-test", "0.1")).validation(Validation.valid()).build());
  }

  @Test
  void aRepairRefusedForLackOfPermissionIsFollowedByPublishingAgainAfterABackoff() throws Exception {
    try (PubSubSink sink = PubSubSink.builder("test-project", "events").emulatorHost(fake.address())
        .createTopicIfMissing(true).build()) {
      WriteResult first = sink.write(events("a")).get(60, TimeUnit.SECONDS);
      assertThat(first.isSuccess()).isFalse();
      assertThat(first.failureOf(0).retryable()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> fake.createAttempts() > 0);

      fake.operatorCreates("projects/test-project/topics/events");
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> sink.write(events("b")).get(60, TimeUnit.SECONDS).isSuccess());
      assertThat(fake.published()).isGreaterThanOrEqualTo(1);
      assertThat(fake.userAgents()).isNotEmpty()
          .allMatch(ua -> ua.startsWith(dev.eventkit.gcp.internal.ClientHeaders.userAgent()));
    }
  }

  @Test
  void againstTheRealServiceTopicsAreNotCreatedUnlessAskedTo() throws Exception {
    assertThat(PubSubSink.builder("test-project", "events").createsTopics()).isFalse();
    assertThat(PubSubSink.builder("test-project", "events").emulatorHost(fake.address()).createsTopics()).isTrue();
    assertThat(PubSubSink.builder("test-project", "events").createTopicIfMissing(true).createsTopics()).isTrue();
  }
}
