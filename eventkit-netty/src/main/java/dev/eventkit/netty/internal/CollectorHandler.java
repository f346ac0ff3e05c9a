package dev.eventkit.netty.internal;

import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.security.AccessLog;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the {@link Collector} and writes the responses in request order (HTTP/1.1
 * pipelining) as their futures complete, holding no thread while the log commits. Stops reading while
 * {@link HostSettings#maxPipelinedRequests} responses are owed or the client is not taking its responses, and
 * resumes when they drain. One instance per connection, confined to its event loop; futures completing on other
 * threads hop back onto it.
 *
 * <p>Answers itself, as JSON, what the collector never sees: 413 for an oversized body, 400/414/431 for a request
 * the decoder rejected, 417 for an unsupported expectation, and closes the connection after those that leave the
 * stream unusable. Connection errors (a reset, a client gone mid-request) are logged at debug level.
 */
final class CollectorHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorHandler.class);

  /** A response owed to the client, in request order; {@code response} is null until the collector answers. */
  private static final class Slot {
    final HttpVersion version;
    final boolean head;
    boolean keepAlive;
    HttpResponse response;

    Slot(HttpVersion version, boolean keepAlive, boolean head) {
      this.version = version;
      this.keepAlive = keepAlive;
      this.head = head;
    }
  }

  private final Collector collector;
  private final HostSettings settings;
  private final ReadTimeouts timeouts;
  private final ArrayDeque<Slot> pending = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private String remoteAddress;
  /** A response that ends the connection is queued: requests read after it are dropped. */
  private boolean closing;
  /** The host is shutting down: answer what was read, then close. */
  private boolean draining;

  CollectorHandler(Collector collector, HostSettings settings, ReadTimeouts timeouts) {
    this.collector = collector;
    this.settings = settings;
    this.timeouts = timeouts;
  }

  /** How many responses are owed. */
  int pending() {
    return pending.size();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    SocketAddress peer = ctx.channel().remoteAddress();
    if (peer instanceof InetSocketAddress && ((InetSocketAddress) peer).getAddress() != null) {
      remoteAddress = ((InetSocketAddress) peer).getAddress().getHostAddress();
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (closing) {
        return;
      }
      if (msg instanceof OversizedRequest) {
        OversizedRequest o = (OversizedRequest) msg;
        respond(new Slot(o.version(), o.keepAlive() && !draining, false), Responses.tooLarge(settings.maxBodyBytes()));
      } else if (msg instanceof FullHttpRequest) {
        handle((FullHttpRequest) msg);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void handle(FullHttpRequest req) {
    DecoderResult result = req.decoderResult();
    if (!result.isSuccess()) {
      respond(new Slot(HttpVersion.HTTP_1_1, false, false), Responses.malformed(result.cause()));
      return;
    }
    boolean head = req.method().equals(HttpMethod.HEAD);
    if (req.headers().contains(HttpHeaderNames.EXPECT)) {
      // A 100-continue expectation was met (and its header removed) by the body limit; any other is unsupported.
      respond(new Slot(req.protocolVersion(), false, head), Responses.expectationFailed());
      return;
    }
    RequestTarget target = RequestTarget.parse(req.uri());
    if (target == null) {
      respond(new Slot(req.protocolVersion(), false, head), Responses.badTarget());
      return;
    }
    HttpRequest.Builder b = HttpRequest.builder(req.method().name(), target.path())
        .rawQuery(target.rawQuery())
        .body(ByteBufUtil.getBytes(req.content()))
        .remoteAddress(remoteAddress);
    for (Map.Entry<String, String> h : req.headers()) {
      b.header(h.getKey(), h.getValue());
    }
    HttpRequest request = b.build();
    Slot slot = enqueue(new Slot(req.protocolVersion(), HttpUtil.isKeepAlive(req) && !draining, head));
    CompletableFuture<HttpResponse> answer;
    try {
      answer = settings.requestExecutor() == null ? collector.handle(request)
          : CompletableFuture.supplyAsync(() -> collector.handle(request), settings.requestExecutor())
              .thenCompose(f -> f);
    } catch (RejectedExecutionException e) {
      answer = CompletableFuture.completedFuture(Responses.unavailable());
    } catch (RuntimeException e) {
      LOG.error("the collector failed on a request", e);
      answer = CompletableFuture.completedFuture(Responses.internalError());
    }
    if (answer.isDone() && ctx.executor().inEventLoop()) {
      complete(slot, answer.getNow(null), null);
    } else {
      answer.whenComplete((response, error) -> ctx.executor().execute(() -> complete(slot, response, error)));
    }
  }

  /** Answers a header or body timeout: 408 when nothing else is owed (it would be out of order), then close. */
  void failAndClose(HttpResponse response) {
    if (pending.isEmpty() && !closing) {
      respond(new Slot(HttpVersion.HTTP_1_1, false, false), response);
    } else {
      ctx.close();
    }
  }

  private Slot enqueue(Slot slot) {
    pending.add(slot);
    if (!slot.keepAlive) {
      closing = true;
    }
    updateReading();
    return slot;
  }

  /** Queues one of the host's own answers (the collector never saw the request), with a request id of its own. */
  private void respond(Slot slot, HttpResponse response) {
    enqueue(slot).response = response.header("X-Request-Id") != null ? response
        : response.withHeader("X-Request-Id", AccessLog.requestId(null));
    writeReady();
  }

  private void complete(Slot slot, HttpResponse response, Throwable error) {
    if (error != null || response == null) {
      LOG.error("the collector's answer failed", error);
      response = Responses.internalError();
    }
    slot.response = response;
    writeReady();
  }

  /** Writes every answered response at the head of the queue, in order, with one flush. */
  private void writeReady() {
    if (!ctx.channel().isActive()) {
      pending.clear();
      return;
    }
    boolean wrote = false;
    while (!pending.isEmpty() && pending.peek().response != null) {
      Slot s = pending.poll();
      var write = ctx.write(Responses.toNetty(s.response, s.version, s.keepAlive, s.head));
      wrote = true;
      if (!s.keepAlive) {
        write.addListener(ChannelFutureListener.CLOSE);
        pending.clear();
        break;
      }
    }
    if (!wrote) {
      return;
    }
    ctx.flush();
    if (pending.isEmpty()) {
      timeouts.responsesWritten();
      if (draining && timeouts.idle()) {
        ctx.close();
        return;
      }
    }
    updateReading();
  }

  private void updateReading() {
    boolean read = !closing && pending.size() < settings.maxPipelinedRequests() && ctx.channel().isWritable();
    if (ctx.channel().config().isAutoRead() != read) {
      ctx.channel().config().setAutoRead(read);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    updateReading();
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == Drain.INSTANCE) {
      draining = true;
      if (pending.isEmpty()) {
        if (timeouts.idle()) {
          ctx.close();
        }
        // Otherwise the request being read is answered with Connection: close.
      } else {
        pending.peekLast().keepAlive = false;
        closing = true;
        updateReading();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    pending.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing a connection after an error: {}", cause.toString());
    ctx.close();
  }
}
