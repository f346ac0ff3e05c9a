package dev.eventkit.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, telling {@link ReadTimeouts} when request bytes arrive and whether a partial request is
 * left buffered after a read, so that the header timeout starts at a request's first byte, pipelined or not.
 * Confined to the connection's event loop.
 */
final class RequestDecoder extends HttpRequestDecoder {

  private final ReadTimeouts timeouts;

  RequestDecoder(HttpDecoderConfig config, ReadTimeouts timeouts) {
    super(config);
    this.timeouts = timeouts;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
      timeouts.bytesArrived();
    }
    super.channelRead(ctx, msg);
    timeouts.decoded(internalBuffer().isReadable());
  }
}
