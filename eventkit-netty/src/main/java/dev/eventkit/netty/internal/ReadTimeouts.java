package dev.eventkit.netty.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections whose clients are too slow, one instance per connection, between the request decoder and
 * the body aggregator: a request's headers must arrive within the header timeout of its first byte; its body must
 * keep up a minimum rate after a grace period; a connection with no request in progress and nothing left to answer
 * is closed after the idle timeout. The clock is paused while the host itself stops reading (too many responses
 * pending, or the client not reading them), and never runs while the collector is still answering.
 *
 * <p>Confined to the connection's event loop. Deadlines are checked on a periodic tick ({@link
 * HostSettings#tickNanos}) rather than by timers rearmed per request. A header or body timeout is answered 408
 * (JSON) when no earlier response is still owed, then the connection is closed; an idle connection is just closed.
 */
final class ReadTimeouts extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(ReadTimeouts.class);

  private enum State { IDLE, HEADERS, BODY }

  private final HostSettings settings;
  private CollectorHandler responder;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> tick;
  private State state = State.IDLE;
  /** When the current state began (for IDLE: the last request read or the last response written). */
  private long since = System.nanoTime();
  private long bodyBytes;

  ReadTimeouts(HostSettings settings) {
    this.settings = settings;
  }

  void responder(CollectorHandler responder) {
    this.responder = responder;
  }

  /** Bytes arrived from the client: if no request was in progress, one starts now. */
  void bytesArrived() {
    if (state == State.IDLE) {
      state = State.HEADERS;
      since = System.nanoTime();
    }
  }

  /** The decoder finished a read; bytes it still holds are the start of the next (pipelined) request. */
  void decoded(boolean partialRequestBuffered) {
    if (partialRequestBuffered) {
      bytesArrived();
    }
  }

  /** Every response owed so far has been written: the idle clock restarts. */
  void responsesWritten() {
    if (state == State.IDLE) {
      since = System.nanoTime();
    }
  }

  /** Whether no request is being read. */
  boolean idle() {
    return state == State.IDLE;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    long period = settings.tickNanos();
    tick = ctx.executor().scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    tick.cancel(false);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    tick.cancel(false);
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      // A decoder failure arrives as a complete request; anything else starts a body (possibly empty).
      state = msg instanceof LastHttpContent ? State.IDLE : State.BODY;
      since = System.nanoTime();
      bodyBytes = 0;
    } else if (msg instanceof HttpContent) {
      bodyBytes += ((HttpContent) msg).content().readableBytes();
      if (msg instanceof LastHttpContent) {
        state = State.IDLE;
        since = System.nanoTime();
      } else if (bodyBytes > settings.maxBodyBytes() + HostSettings.MAX_DISCARD_BYTES) {
        LOG.debug("closing a connection whose request body goes on far past the limit");
        ctx.close();
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void check() {
    long now = System.nanoTime();
    if (!ctx.channel().config().isAutoRead()) {
      // The host is not reading (backpressure): the client cannot be late.
      since = now;
      return;
    }
    switch (state) {
      case HEADERS:
        if (now - since > settings.headerTimeoutNanos()) {
          timedOut("headers");
        }
        break;
      case BODY:
        long allowed = settings.bodyTimeoutNanos()
            + bodyBytes * TimeUnit.SECONDS.toNanos(1) / settings.minBodyBytesPerSecond();
        if (now - since > allowed) {
          timedOut("body");
        }
        break;
      default:
        if (responder.pending() > 0) {
          since = now;
        } else if (now - since > settings.idleTimeoutNanos()) {
          LOG.debug("closing an idle connection");
          ctx.close();
        }
    }
  }

  private void timedOut(String part) {
    LOG.debug("closing a connection whose request {} did not arrive in time", part);
    tick.cancel(false);
    responder.failAndClose(Responses.timeout());
  }
}
