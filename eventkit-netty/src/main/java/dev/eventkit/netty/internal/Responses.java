package dev.eventkit.netty.internal;

import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Map;

/**
 * The host's own answers (everything the collector never sees: oversized, malformed or slow requests), all JSON
 * bodies in the collector's error format, and the conversion of a collector response to Netty's. Stateless.
 */
final class Responses {

  private Responses() {}

  static HttpResponse tooLarge(int maxBodyBytes) {
    // The same code and message the collector gives when a host hands it an oversized body.
    return new Rejection(413, "body_too_large", "the body is larger than " + maxBodyBytes + " bytes", null)
        .toResponse();
  }

  /** The answer to a request the decoder could not parse; the connection closes after it. */
  static HttpResponse malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return new Rejection(414, "request_line_too_long", "the request line is too long", null).toResponse();
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new Rejection(431, "headers_too_large", "the request headers are too large", null).toResponse();
    }
    if (cause instanceof TooLongFrameException) {
      return new Rejection(400, "malformed_request", "a part of the request is too long", null).toResponse();
    }
    return Rejection.badRequest("malformed_request", "the request is not valid HTTP/1.1", null).toResponse();
  }

  static HttpResponse badTarget() {
    return Rejection.badRequest("malformed_request", "the request target is not a path", null).toResponse();
  }

  static HttpResponse expectationFailed() {
    return new Rejection(417, "expectation_failed", "only Expect: 100-continue is supported", "Expect")
        .toResponse();
  }

  static HttpResponse timeout() {
    return new Rejection(408, "request_timeout", "the request was not received in time", null).toResponse();
  }

  static HttpResponse unavailable() {
    return new Rejection(503, "unavailable", "the collector is not accepting requests now", null).toResponse()
        .withHeader("Retry-After", "5");
  }

  static HttpResponse internalError() {
    return new Rejection(500, "internal_error", "the collector failed unexpectedly", null).toResponse();
  }

  /**
   * The collector's response as Netty's: always HTTP/1.1 with {@code Content-Length}, the body left out for HEAD,
   * {@code Connection: close} when the connection ends after it.
   */
  static FullHttpResponse toNetty(HttpResponse response, HttpVersion requestVersion, boolean keepAlive,
      boolean head) {
    byte[] body = response.body();
    ByteBuf content = head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(response.status()), content);
    HttpHeaders headers = out.headers();
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (!keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (requestVersion.equals(HttpVersion.HTTP_1_0)) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return out;
  }
}
