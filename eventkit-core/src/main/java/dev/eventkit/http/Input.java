package dev.eventkit.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.internal.json.Json;

/**
 * One tracking protocol: the routes it serves, how it turns a request into envelopes, and how it answers once they
 * are durable. Inputs are HTTP-stack-agnostic; the {@link Collector} routes to them.
 *
 * <p>Thread-safety: {@link #read} and {@link #respond} are called concurrently from request threads and must not
 * keep per-request state. Failure modes: bad input is reported as values ({@link Rejection}, {@link ItemRejection})
 * in the {@link Intake}, never thrown; an input that throws is a bug, answered with a generic 500.
 */
public interface Input {

  /** The routes this input serves. */
  java.util.List<Route> routes();

  /** Parses a request that matched one of {@link #routes()}. */
  Intake read(HttpRequest request, RequestContext context);

  /**
   * The write key a request carries in its body, for protocols whose clients put it there (Segment's browser
   * library sends {@code writeKey} in the JSON); null when there is none, and always null by default. The collector
   * asks only when write keys are required and the headers carried none. An input that reads keys here must also
   * leave them out of what it stores. Must be cheap and must not throw.
   */
  default String writeKeyInBody(HttpRequest request) {
    return null;
  }

  /**
   * The answer once the intake's envelopes are durable. The default: the intake's rejection if it has one; 202
   * {@code {"status":"accepted"}} when everything was accepted; 202 with {@code "status":"partial"}, the number
   * of refused events ({@code rejectedCount}) and the first {@value ItemRejection#MAX_LISTED} of them listed
   * ({@code rejected}) when some were; 400 with the same when none was accepted.
   */
  default HttpResponse respond(Intake intake, RequestContext context) {
    if (intake.rejection() != null) {
      return intake.rejection().toResponse();
    }
    ObjectNode body = Json.object();
    if (intake.rejected().isEmpty()) {
      body.put("status", "accepted");
      body.put("accepted", intake.envelopes().size());
      return HttpResponse.json(202, body);
    }
    boolean none = intake.envelopes().isEmpty();
    body.put("status", none ? "rejected" : "partial");
    body.put("accepted", intake.envelopes().size());
    body.put("rejectedCount", intake.rejected().size());
    body.set("rejected", ItemRejection.listJson(intake.rejected()));
    if (none && intake.rejected().size() == 1) {
      body.set("error", intake.rejected().get(0).rejection().errorJson());
    }
    return HttpResponse.json(none ? 400 : 202, body);
  }
}
