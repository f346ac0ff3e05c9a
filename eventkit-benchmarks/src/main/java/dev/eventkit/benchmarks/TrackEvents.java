package dev.eventkit.benchmarks;

import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Intake;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.input.segment.SegmentInput;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The event every benchmark uses: a typical Segment {@code track} call as a browser library sends it, turned into
 * an envelope by the real {@link SegmentInput}, so the benchmarks store and encode exactly what a collector would.
 *
 * <p>Stateless and thread-safe. {@link #envelope()} throws {@link IllegalStateException} if the input ever stops
 * accepting the fixture, which would make every figure meaningless.
 */
public final class TrackEvents {

  /** The fixture's {@code messageId}, which the load driver replaces to give every event its own. */
  public static final String MESSAGE_ID = "7f3c2a9e-5d1b-4c8e-9a6f-0b2d4e6f8a1c";

  /** The request body: one track event with a few properties and a library/page context. */
  public static final String BODY = "{\"type\":\"track\",\"event\":\"Order Completed\","
      + "\"messageId\":\"" + MESSAGE_ID + "\",\"anonymousId\":\"a4e1c0de-77b2-4f0e-8d3a\","
      + "\"userId\":\"user-48213\",\"timestamp\":\"2026-11-23T10:15:30.120Z\",\"sentAt\":\"2026-11-23T10:15:30.250Z\","
      + "\"properties\":{\"orderId\":\"o-90817\",\"revenue\":42.5,\"currency\":\"EUR\",\"items\":3},"
      + "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},"
      + "\"page\":{\"path\":\"/checkout/done\"},\"locale\":\"de-DE\"}}";

  private static final String USER_AGENT =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

  private TrackEvents() {}

  /** The envelope {@code POST /collect} with {@link #BODY} produces. */
  public static Envelope envelope() {
    Route route = Route.post("/collect", "application/json");
    HttpRequest request = HttpRequest.builder("POST", "/collect")
        .header("Content-Type", "application/json")
        .header("User-Agent", USER_AGENT)
        .body(BODY.getBytes(StandardCharsets.UTF_8))
        .remoteAddress("203.0.113.7")
        .build();
    RequestContext context = new RequestContext(route, Map.of(), Instant.parse("2026-11-23T10:15:30.301Z"),
        "203.0.113.7", USER_AGENT, CollectorInfo.DEFAULT);
    Intake intake = SegmentInput.create().read(request, context);
    if (intake.rejection() != null || intake.envelopes().size() != 1) {
      throw new IllegalStateException("the Segment input no longer accepts the benchmark's track event");
    }
    return intake.envelopes().get(0);
  }
}
