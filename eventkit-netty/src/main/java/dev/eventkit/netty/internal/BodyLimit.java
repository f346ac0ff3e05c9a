package dev.eventkit.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Aggregates a request body up to the collector's limit. Unlike Netty's aggregator it writes nothing itself: an
 * oversized request becomes an {@link OversizedRequest} for the collector handler, which answers a JSON 413 in
 * order with the connection's other responses. The rest of an oversized body is read and dropped, so the client
 * sees the 413, unless the client asked {@code Expect: 100-continue} (it will not send the body: the connection
 * closes after the 413) or the connection is not keep-alive. Confined to the connection's event loop.
 */
final class BodyLimit extends HttpObjectAggregator {

  BodyLimit(int maxBodyBytes) {
    super(maxBodyBytes);
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    if (!HttpUtil.is100ContinueExpected(start) || HttpUtil.getContentLength(start, -1L) > maxContentLength) {
      // Oversized: no 100; the aggregator then takes the oversized path below. Other expectations: the handler
      // answers 417.
      return null;
    }
    start.headers().remove(HttpHeaderNames.EXPECT);
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    // Mid-body (chunked) the aggregate so far arrives here; either way the aggregator drops the rest of the body.
    boolean keepAlive = HttpUtil.isKeepAlive(oversized) && !HttpUtil.is100ContinueExpected(oversized);
    ctx.fireChannelRead(new OversizedRequest(oversized.protocolVersion(), keepAlive));
  }
}
