package dev.eventkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The fuzz targets' oracle fails each kind of broken promise, and passes a well-behaved input. */
class FuzzCollectorTest {

  static final HttpRequest POST = HttpRequest.builder("POST", "/t").header("Content-Type", "application/json")
      .body("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();

  /** An input on {@code POST /t} that reads with {@code read} and answers with {@code respond} (null: the default). */
  static FuzzCollector collector(BiFunction<HttpRequest, RequestContext, Intake> read, HttpResponse respond) {
    Input input = new Input() {
      @Override
      public List<Route> routes() {
        return List.of(Route.post("/t"));
      }

      @Override
      public Intake read(HttpRequest request, RequestContext context) {
        return read.apply(request, context);
      }

      @Override
      public HttpResponse respond(Intake intake, RequestContext context) {
        return respond != null ? respond : Input.super.respond(intake, context);
      }
    };
    return new FuzzCollector(SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build(), b -> b.input(
        input),
        Duration.ofMillis(500));
  }

  static Intake one(RequestContext context) {
    return Intake.of(List.of(context.envelope("test").payloadJson("{}").build()), List.of());
  }

  @Test
  void aWellBehavedInputPasses() {
    FuzzCollector.Outcome outcome = collector((r, c) -> one(c), null).check(POST);
    assertThat(outcome.response().status()).isEqualTo(202);
    assertThat(outcome.appended()).hasSize(1);
  }

  @Test
  void aThrowingInputIsA500AndFails() {
    assertThatThrownBy(() -> collector((r, c) -> {
      throw new IllegalStateException("bug");
    }, null).check(POST)).isInstanceOf(AssertionError.class).hasMessage("status 500");
  }

  @Test
  void aHangingInputFailsWithinTheTimeout() {
    CountDownLatch never = new CountDownLatch(1);
    assertThatThrownBy(() -> collector((r, c) -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return one(c);
    }, null).check(POST)).isInstanceOf(AssertionError.class).hasMessageContaining("did not return within 500 ms");
  }

  @Test
  void anErrorWithoutAJsonBodyFails() {
    assertThatThrownBy(() -> collector((r, c) -> one(c), HttpResponse.empty(400)).check(POST))
        .isInstanceOf(AssertionError.class).hasMessageContaining("400 answered as null");
  }

  @Test
  void anAnswerCountingOtherEventsThanTheLogHoldsFails() {
    HttpResponse claimsTwo = HttpResponse.json(202, dev.eventkit.internal.json.Json.object().put("accepted", 2));
    assertThatThrownBy(() -> collector((r, c) -> one(c), claimsTwo).check(POST))
        .isInstanceOf(AssertionError.class).hasMessageContaining("but 1 appended");
  }

  @Test
  void aHeaderWithALineBreakFails() {
    HttpResponse split = HttpResponse.pixel().withHeader("Set-Cookie", "a=1\r\nX-Injected: 1");
    assertThatThrownBy(() -> collector((r, c) -> one(c), split).check(POST))
        .isInstanceOf(AssertionError.class).hasMessageContaining("holds CR, LF or NUL");
  }
}
