package dev.eventkit.netty.internal;

import dev.eventkit.http.Collector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up each accepted connection: closes it at once when the host already has its maximum of open connections,
 * otherwise registers it for shutdown and builds its pipeline (decoder, {@link ReadTimeouts}, {@link BodyLimit},
 * encoder, {@link CollectorHandler}). Thread-safe: shared by all event loops; the counters are atomic.
 */
public final class ConnectionInitializer extends ChannelInitializer<Channel> {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionInitializer.class);

  private final Collector collector;
  private final HostSettings settings;
  private final int maxConnections;
  private final ChannelGroup channels;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  public ConnectionInitializer(Collector collector, HostSettings settings, int maxConnections,
      ChannelGroup channels) {
    this.collector = collector;
    this.settings = settings;
    this.maxConnections = maxConnections;
    this.channels = channels;
  }

  /** Connections open now. */
  public int openConnections() {
    return open.get();
  }

  /** Connections closed on arrival because the cap was reached, since the host started. */
  public long refusedConnections() {
    return refused.sum();
  }

  @Override
  protected void initChannel(Channel ch) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused.increment();
      LOG.debug("refusing a connection: {} are open", maxConnections);
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    channels.add(ch);
    ReadTimeouts timeouts = new ReadTimeouts(settings);
    CollectorHandler handler = new CollectorHandler(collector, settings, timeouts);
    timeouts.responder(handler);
    HttpDecoderConfig decoding = new HttpDecoderConfig()
        .setMaxInitialLineLength(settings.maxRequestLineBytes())
        .setMaxHeaderSize(settings.maxHeaderBytes());
    ChannelPipeline p = ch.pipeline();
    p.addLast("decoder", new RequestDecoder(decoding, timeouts));
    p.addLast("encoder", new HttpResponseEncoder());
    p.addLast("timeouts", timeouts);
    p.addLast("body", new BodyLimit(settings.maxBodyBytes()));
    p.addLast("collector", handler);
  }
}
